"""Close the loop: feedback that matches a rule becomes a tracked case (`feedback_cases`), every
change to a case is an event (`feedback_case_events`), and the notifications a case sends wait in
an outbox (`loop_outbox`) written in the same transaction as the record that opened it."""
