"""The BI views that join feedback to the CRM (`crm_accounts`, `crm_contacts`): which account
an answer belongs to, NPS per segment, and NPS beside the revenue behind it. Customers' NPS
only (program `voc`, metric `nps`); every account's revenue counts once per month and segment,
however many answers it gave, and revenues in two currencies are never added: such a row's
money figures are NULL (its counts stay: they add no money), its `revenue_currency` 'mixed'."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxbridge.sql_parts import COUNTED, CUSTOMERS, count_if, share, time_bucket

if TYPE_CHECKING:
    from cxbridge.sql_parts import Dialect

CRM_VIEWS = ("feedback_accounts", "nps_by_segment", "nps_revenue_by_month")
LINKS = ("account", "contact", "email")  # how a record finds its account, first match wins


def _link_tables(d: Dialect) -> str:
    """The CTEs `_links` reads: each CRM contact's account, and each hashed e-mail's."""
    contacts = d.qualified("crm_contacts")
    return f"""contact_accounts AS (
    SELECT contact_id, MIN(account_id) AS account_id FROM {contacts}
    WHERE account_id IS NOT NULL GROUP BY contact_id
),
key_accounts AS (
    SELECT respondent_key, MIN(account_id) AS account_id FROM {contacts}
    WHERE account_id IS NOT NULL AND respondent_key IS NOT NULL GROUP BY respondent_key
)"""


def _links(d: Dialect) -> str:
    """`(record_id, account_id, linked_by)` of every record linked to an account: its own
    `crm_account_id`, else its contact's account (`crm_contact_id`), else the account of a
    contact with the same hashed e-mail (`respondent_key`). A contact id or hashed e-mail
    that more CRM rows share leads to the least account id among them, so a record has one
    account at most. Reads the CTEs of `_link_tables`."""
    return f"""
SELECT f.record_id,
       COALESCE(f.crm_account_id, ca.account_id, ka.account_id) AS account_id,
       CASE WHEN f.crm_account_id IS NOT NULL THEN 'account'
            WHEN ca.account_id IS NOT NULL THEN 'contact' ELSE 'email' END AS linked_by
FROM {d.qualified("feedback")} f
LEFT JOIN contact_accounts ca ON ca.contact_id = f.crm_contact_id
LEFT JOIN key_accounts ka ON ka.respondent_key = f.respondent_key
WHERE COALESCE(f.crm_account_id, ca.account_id, ka.account_id) IS NOT NULL
"""


def feedback_accounts(d: Dialect) -> str:
    """Every feedback record linked to a CRM account, and how (`account`, `contact`, `email`):
    join it to `crm_accounts` on `account_id` to reach an answer's account by any path."""
    return f"WITH {_link_tables(d)}{_links(d)}"


def _per_account(d: Dialect) -> str:
    """Customers' primary NPS answers per month, segment and account: how many, how many
    promoters and detractors, and the account's revenue — once — with the least and greatest
    currency it is named in (a revenue naming none is in the one the others name). Answers of no
    known account are one row per month (`known_account` null, segment `no account`)."""
    accounts = d.qualified("crm_accounts")
    segment = "COALESCE(a.segment, CASE WHEN a.account_id IS NULL THEN 'no account' ELSE 'unsegmented' END)"
    named = "CASE WHEN annual_revenue IS NOT NULL THEN currency END"
    return f"""
WITH {_link_tables(d)},
links AS ({_links(d)}),
accounts AS (
    SELECT account_id, MAX(segment) AS segment, MAX(annual_revenue) AS annual_revenue,
           MIN({named}) AS currency_low, MAX({named}) AS currency_high
    FROM {accounts} GROUP BY account_id
),
answers AS (
    SELECT {time_bucket(d, "month")} AS month, s.category, l.account_id
    FROM {d.qualified("feedback")} f
    JOIN {d.qualified("feedback_scores")} s ON s.record_id = f.record_id AND s.is_primary AND s.metric = 'nps'
    LEFT JOIN links l ON l.record_id = f.record_id
    WHERE {CUSTOMERS} AND {COUNTED}
)
SELECT n.month, {segment} AS segment, a.account_id AS known_account,
       MAX(a.annual_revenue) AS revenue, MIN(a.currency_low) AS currency_low, MAX(a.currency_high) AS currency_high,
       COUNT(*) AS responses,
       {count_if("n.category = 'promoter'")} AS promoters,
       {count_if("n.category = 'passive'")} AS passives,
       {count_if("n.category = 'detractor'")} AS detractors
FROM answers n LEFT JOIN accounts a ON a.account_id = n.account_id
GROUP BY n.month, {segment}, a.account_id
"""


MIXED = "MIN(currency_low) <> MAX(currency_high)"
REVENUE_CURRENCY = f"CASE WHEN {MIXED} THEN 'mixed' ELSE MIN(currency_low) END AS revenue_currency"
"""The currency of a group's revenues: the one its accounts name, NULL when none names any,
'mixed' when they name two or more — whose money figures `in_one_currency` leaves NULL."""


def in_one_currency(figure: str) -> str:
    """A group's money figure, NULL when its accounts' revenues are in two currencies or more."""
    return f"CASE WHEN {MIXED} THEN NULL ELSE {figure} END"


def nps_by_segment(d: Dialect) -> str:
    """Customers' NPS per CRM segment and month; answers without an account are `no account`,
    accounts without a segment `unsegmented`. `account_revenue` adds each answering account's
    annual revenue once, in `revenue_currency`."""
    promoters, detractors = "SUM(promoters)", "SUM(detractors)"
    return f"""
SELECT segment, month,
       SUM(responses) AS responses,
       COUNT(known_account) AS accounts,
       {promoters} AS promoters,
       SUM(passives) AS passives,
       {detractors} AS detractors,
       {share(d, f"{promoters} - {detractors}", "SUM(responses)")} AS nps,
       {in_one_currency(d.rounded_sum("revenue", 2))} AS account_revenue,
       {REVENUE_CURRENCY}
FROM ({_per_account(d)}) x
GROUP BY segment, month
"""


def nps_revenue_by_month(d: Dialect) -> str:
    """Customers' NPS per month beside the revenue-weighted NPS: each answering account's net
    score (promoters − detractors) / answers, weighted by its annual revenue once,
    100 · Σ revenue · net / Σ revenue over the accounts with a known revenue — and the known
    revenue of the distinct accounts with a detractor answer this month, in `revenue_currency`:
    0 when no answer is a detractor's, NULL when there are some and none of their accounts has a
    known revenue (unknown is no 0)."""
    net = "revenue * (promoters - detractors) / responses"
    at_risk = "CASE WHEN detractors > 0 THEN revenue ELSE 0 END"  # an unknown revenue is NULL: left out
    unknown = "SUM(detractors) > 0 AND COUNT(CASE WHEN detractors > 0 THEN revenue END) = 0"
    return f"""
SELECT month,
       SUM(responses) AS responses,
       {share(d, "SUM(promoters) - SUM(detractors)", "SUM(responses)")} AS nps,
       SUM(CASE WHEN revenue IS NOT NULL THEN responses ELSE 0 END) AS responses_with_revenue,
       COUNT(revenue) AS accounts_with_revenue,
       {in_one_currency(d.rounded_float(f"100.0 * SUM({net}) / NULLIF(SUM(revenue), 0)", 1))} AS revenue_weighted_nps,
       {in_one_currency(f"CASE WHEN {unknown} THEN NULL ELSE {d.rounded_sum(at_risk, 2)} END")} AS detractor_revenue,
       {REVENUE_CURRENCY}
FROM ({_per_account(d)}) x
GROUP BY month
"""


RENDERERS = {
    "feedback_accounts": feedback_accounts,
    "nps_by_segment": nps_by_segment,
    "nps_revenue_by_month": nps_revenue_by_month,
}
