"""Rendering in one place: a command hands rows or a record here and never builds a table.

- terminal: stdout on a terminal or not, rich's console, notes on stderr, progress bars
- cells: a value as cell text, on one line, and its width in terminal cells
- tables: listings — rich tables on a terminal, plain aligned text off it or past 1,000 rows
- cards: one record as label/value lines
- charts: bar charts (``report``, ``campaign report``)
- formats: ``--format json|csv`` (the CSV cell made safe for spreadsheets)
- sql: JSON and table cells made by SQLite, for the long listings
- views: what particular commands show, built from the above

rich is imported only inside the functions that draw with it: a plain listing under cron
never loads it. To pretend stdout is a terminal in a test, patch
``crmctl.render.terminal.stdout_is_terminal`` (every module asks through it).
"""

from crmctl.render.cards import emit_card
from crmctl.render.cells import cell, display_width, one_line
from crmctl.render.charts import (REPORT_CSV_COLUMNS, emit_campaign_table, emit_charts,
                                  report_rows, with_bars)
from crmctl.render.formats import Format, csv_cell, emit_csv, emit_json, to_json
from crmctl.render.sql import (FOLLOWUP_CELLS, emit_json_body, emit_json_objects,
                               followup_cells, json_list_sql, json_object_sql)
from crmctl.render.tables import (RICH_MAX_ROWS, emit_plain_cells, emit_plain_table, emit_rows,
                                  emit_text_table, table)
from crmctl.render.terminal import (console, message, print_renderable, progress,
                                    stdout_is_terminal)
from crmctl.render.views import (REVIEW_JSON, emit_campaigns, emit_customer,
                                 emit_followups_table, emit_import_summary, emit_record,
                                 emit_retention, emit_targeting, emit_tier_changes,
                                 emit_tier_history,
                                 emit_tier_rules,
                                 say_proposed)

__all__ = [
    "FOLLOWUP_CELLS", "Format", "REPORT_CSV_COLUMNS", "REVIEW_JSON", "RICH_MAX_ROWS", "cell", "console", "csv_cell",
    "display_width", "emit_campaign_table", "emit_campaigns", "emit_card", "emit_charts",
    "emit_csv", "emit_customer", "emit_followups_table", "emit_import_summary", "emit_json",
    "emit_json_body", "emit_json_objects", "followup_cells", "emit_plain_cells", "emit_plain_table",
    "emit_record", "emit_rows", "emit_targeting", "emit_text_table", "emit_tier_changes",
    "emit_retention", "emit_tier_history", "emit_tier_rules", "json_list_sql", "json_object_sql", "message", "one_line",
    "print_renderable", "progress", "report_rows", "say_proposed", "stdout_is_terminal", "table", "to_json",
    "with_bars",
]
