"""Contributor commands: ``note add``, ``crossref add``, ``source add`` (:mod:`.add`, with the
HTML article extraction of :mod:`.extract`), ``anchors --fix`` and the drift report (:mod:`.fix`,
:mod:`.drift`), and the interchange formats (:mod:`.w3c`, :mod:`.hypothesis`, :mod:`.csl`)."""
