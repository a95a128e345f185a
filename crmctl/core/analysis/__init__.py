"""The analysis reports (`report sales|satisfaction|complaints|value|html`) and the value
figures of the `show` card.

- amounts: where every purchase amount of these reports comes from (one SQL fragment)
- sales: revenue, orders, customers and average order by month, quarter, tier, region,
  industry or campaign
- service: satisfaction (average, count, share of low ratings, trend) and complaints
  (open/resolved, median hours to resolve, over the tier's response time)
- value: each customer's spend, average order, last purchase and RFM segment; the top
  customers by spend, the high-value ones at risk first
- book: everything of the HTML report in one dict

pandas does the grouping of sales and service, imported inside their functions only
(`crmctl --help` and `followups` never load it). Nothing is imported here, so that
core/reports.py can use amounts without a cycle.
"""
