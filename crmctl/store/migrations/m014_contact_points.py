"""Migration 14: every phone and email of a customer (issue 15 item 3).

The primary phone and email stay in ``customers.phone``/``customers.email`` (everything that
reads them, the follow-ups report, campaigns, dedupe, is unchanged); ``phone_type`` and
``email_type`` say what kind they are when known. ``contact_points`` holds the others: one row
per extra value, its kind (phone or email), its type and its place in the person's list.
"""

from __future__ import annotations


# (CHECKs as OR chains, not IN lists: m005 says why)
def m014_contact_points(conn) -> None:
    # Idempotent, as m012 (a column only where missing, the rest IF NOT EXISTS): a file whose
    # user_version was set back by hand (tests of old backups do) migrates again.
    have = {row[1] for row in conn.execute("PRAGMA table_info(customers)")}
    if "phone_type" not in have:
        conn.execute("""ALTER TABLE customers ADD COLUMN phone_type TEXT
            CHECK (phone_type = 'mobile' OR phone_type = 'work' OR phone_type = 'home'
                   OR phone_type = 'fax' OR phone_type = 'other')""")
    if "email_type" not in have:
        conn.execute("""ALTER TABLE customers ADD COLUMN email_type TEXT
            CHECK (email_type = 'work' OR email_type = 'home' OR email_type = 'other')""")
    conn.executescript(
        """
        CREATE TABLE IF NOT EXISTS contact_points (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind = 'phone' OR kind = 'email'),
            value TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 320),
            type TEXT NOT NULL CHECK (type = 'mobile' OR type = 'work' OR type = 'home'
                                      OR type = 'fax' OR type = 'other'),
            UNIQUE (customer_id, kind, value)
        );
        -- dedupe and references look a number or an address up among everyone's
        CREATE INDEX IF NOT EXISTS contact_points_phone ON contact_points(value)
            WHERE kind = 'phone';
        CREATE INDEX IF NOT EXISTS contact_points_email ON contact_points(lower(value))
            WHERE kind = 'email';
        """
    )
