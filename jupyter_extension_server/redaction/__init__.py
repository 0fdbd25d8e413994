"""Redaction: secret values read by snippets never land in outputs (issue 14).

Three layers share one matcher (:mod:`.matcher`): the kernel (:mod:`.kernel`, Python), the
server's kernel websocket (:mod:`.websocket`) and the notebook save hook (:mod:`.savehook`). The
server learns the values to mask by reading, with the user's Vault token, the secrets the snippets
in a cell or notebook read (:mod:`.snippets`, :mod:`.service`). See docs/redaction.md.
"""
