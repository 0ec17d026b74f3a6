"""Detection with reasons: which export format a file is, and which of its columns hold the id,
the submitted time, the respondent's e-mail, the store, NPS, CSAT, CES and comments — each
proposal with a confidence and the evidence behind it, ready to be saved as a mapping."""
