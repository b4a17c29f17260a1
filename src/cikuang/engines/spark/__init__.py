"""The Spark engine (:mod:`.engine`)."""
