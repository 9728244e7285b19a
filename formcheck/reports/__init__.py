"""Clinician reports: data from the session store (:mod:`.data`), HTML (:mod:`.html`),
plots (:mod:`.plots`), exports (:mod:`.export`) and PDF (:mod:`.pdf`)."""
