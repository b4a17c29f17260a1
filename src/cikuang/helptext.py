"""The long help texts of the ``cikuang`` command (its options' help comes from the specs)."""

DISCOVER_HELP = """\
Mine the words of raw Chinese text, without a dictionary or labelled data.

Every n-gram of 1..ORDER units is counted within clauses (text between punctuation); an n-gram
is kept when it occurs at least MIN_COUNT times and its cohesion (the PMI of its weakest split
in two, in nats) reaches the threshold for its length; the text is cut wherever no kept n-gram
covers two neighbouring units, and the pieces that recur at least MIN_COUNT times are the words.
Then (unless --no-refine) the text is segmented with those words: two characters that keep
standing together as tokens become a word (法国, 大家), and a two-character word that its parts,
standing alone, explain is dropped.
A unit is a Han character or a run of Latin letters and digits (iPhone7 is one unit).

With no INPUT, runs on the bundled demo corpus (三国演义) and prints the top words.
"""

EPILOG = """\
examples:
  cikuang discover                                  # the demo: top words of 三国演义
  cikuang discover posts/ -o words.tsv              # every *.txt under posts/, all statistics
  cikuang discover crawl.jsonl.zst --jsonl-field text --format jieba -o userdict.txt
  cikuang discover forum.txt --new-only --base-dict jieba   # only words jieba does not know
  cikuang count novel.txt --order 3 -o ngrams.tsv   # exact n-gram counts
  cikuang segment --lexicon words.tsv forum.txt -o forum.seg.txt   # words separated by two spaces
  cikuang evaluate --gold gold.txt pred.txt         # precision, recall, F1 of a segmentation
"""

WORD_LIST_HELP = """\
The lexicon holds every entry the segmenter needs; its word list holds those that are words by
their own statistics, counted over every occurrence of each entry: cohesion at least MIN_COHESION,
neighbour entropy at least MIN_ENTROPY on both sides (a clause edge is a new neighbour each time),
no one unit continuing it in 3 of 4 occurrences (a piece of a longer word), no two-character
word straddling its edge in 3 of 5 (界人士 of 各界人士, 句话 of 一句话), at least 5
occurrences, no number or quantity (1997年, 16个, 2G内存, 5000mAh) nor a measure word and a noun
that numbers precede in half its occurrences (枚金牌), no lone lower-case Latin run (the, usr), and
no phrase pattern (翻了翻, 越看越, 洗完澡, 被告知, 据了解, 这本书; a function character joined to a word
that is less than 7 in 10 of the word's occurrences: 已成为, 面临着, 洪森说, while 意味着 is a word;
a free character or a word before a word or a Latin run, both standing apart far more than
together: 老将军, 短期外债, 安装XP). The readable table and the jieba
format show the word list; tsv and jsonl hold every entry, the word list first, with a status
column that says why any other entry is not a word (char, number, latin, short, phrase, stopword,
piece, rare, fragment, weak, bound; variant: a less frequent spelling of a listed word in other
cases of its Latin letters, usb接口 of USB接口, or with --new-only a base word in the other script,
謝謝 of 谢谢).
Columns: count (its count as a token of the corpus cut into words: the weight the segmenter gives
it), occurrences (how often the string occurs at all), cohesion, left/right entropy, score
(cohesion, counted up to MIN_COHESION + 2, or all of it with --preset kexue2019, plus the
smaller entropy), status."""

SEGMENT_HELP = """\
Cut text into the words of a lexicon: in each clause, the sequence of lexicon words of highest
probability under a unigram language model (a word's probability is its count over the lexicon's
total; a unit no word covers is a word of its own, half as likely as the rarest word).

One output line per input line, words separated by two spaces. The input's characters are kept
as they are (decisions are taken on their NFKC form): punctuation marks are tokens of their own, a
run of letters and digits is never split, a number like 3.5% or 1/3 is one token, and whitespace
only separates tokens. With no INPUT, reads standard input.

With --base-dict, the model holds a base dictionary's words too (jieba's, or any 'word count' file):
the lexicon's words and numbers join it with their corpus probabilities put on its scale, times
--corpus-weight; a word in both keeps the corpus's. Names and terms of the corpus stop being cut
into pieces, and what the corpus is too small to judge, the base decides.

examples:
  cikuang discover forum.txt -o words.tsv && cikuang segment --lexicon words.tsv forum.txt
  cikuang segment --lexicon words.tsv --base-dict jieba forum.txt -o forum.seg.txt
"""

REPORT_HELP = """\
Mine the words of a corpus as 'cikuang discover' does (with the same options) and write one HTML
file (-o FILE; default: stdout) that opens offline, with no network request: a summary of the run,
the word list as a table that sorts by every column and filters as you type (new words, those
jieba's dictionary or --base-dict lacks, marked), a few contexts of each word from the corpus with
the word highlighted (--contexts K, default 5), a plot of cohesion against the smaller neighbour
entropy (hover names the word; a click filters the table) and the distributions of count and
length. The table holds the first --top words (default 2000). Needs matplotlib: pip install
"cikuang[report]".

examples:
  cikuang report -o report.html                     # the demo corpus (三国演义)
  cikuang report forum.txt --base-dict jieba -o forum.html
  cikuang discover forum.txt -o words.tsv --report forum.html
"""

EVALUATE_HELP = """\
Score the word segmentation PRED against the gold segmentation GOLD (the SIGHAN bakeoff convention).

Both are UTF-8 text, words separated by whitespace, with the same lines holding the same characters
(whitespace aside); empty lines are fine. A predicted word is correct when a gold word starts and
ends at the same characters. Precision = correct / predicted words, recall = correct / gold words,
F = 2PR / (P + R). With --train-words, a gold word missing from that list is out of vocabulary
(OOV): the OOV rate, OOV recall and IV (in-vocabulary) recall are printed too.

examples:
  cikuang segment --lexicon words.tsv raw.txt -o pred.txt
  cikuang evaluate --gold gold.txt pred.txt
  cikuang evaluate --gold gold.txt --train-words train_words.txt pred.txt --json
"""
