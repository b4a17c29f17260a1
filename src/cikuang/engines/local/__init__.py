"""The local engine (:mod:`.engine`)."""
