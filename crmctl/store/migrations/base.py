"""Migrations 1-6: the schema as first shipped and its changes up to the follow-up report's
indexes. Frozen: never edit one that has shipped (a change is a new migration)."""

from __future__ import annotations

import re


def m001_initial(conn) -> None:
    conn.executescript(
        """
        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL              -- JSON
        );

        CREATE TABLE customers (
            id           INTEGER PRIMARY KEY,
            name         TEXT NOT NULL,
            company      TEXT,
            title        TEXT,
            email        TEXT,               -- normalized: domain lower-cased
            phone        TEXT,               -- E.164
            wechat       TEXT,
            industry     TEXT,
            region       TEXT,
            company_size TEXT,
            source       TEXT,
            note         TEXT,
            tier         TEXT NOT NULL DEFAULT 'regular'
                         CHECK (tier IN ('diamond', 'gold', 'silver', 'regular')),
            birthday     TEXT,               -- YYYY-MM-DD or --MM-DD (year unknown)
            referred_by  INTEGER REFERENCES customers(id) ON DELETE SET NULL,
            created_at   TEXT NOT NULL,      -- UTC, ISO 8601 with Z
            updated_at   TEXT NOT NULL,
            -- kept up to date by the interaction and purchase writers, so that list,
            -- stage and follow-ups stay fast at a million interactions
            last_contact_at   TEXT,
            first_purchase_at TEXT,
            last_purchase_at  TEXT,
            purchase_count    INTEGER NOT NULL DEFAULT 0,
            forgotten_at TEXT                -- set by `forget`: the row is a tombstone
        );
        CREATE INDEX customers_email ON customers(lower(email)) WHERE email IS NOT NULL;
        CREATE INDEX customers_phone ON customers(phone) WHERE phone IS NOT NULL;
        CREATE INDEX customers_tier ON customers(tier);
        CREATE INDEX customers_referred_by ON customers(referred_by)
            WHERE referred_by IS NOT NULL;
        CREATE INDEX customers_last_contact ON customers(last_contact_at);

        CREATE TABLE tags (
            id   INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE
        );
        CREATE TABLE customer_tags (
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            tag_id      INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (customer_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX customer_tags_tag ON customer_tags(tag_id, customer_id);

        CREATE TABLE tier_history (
            id          INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            at          TEXT NOT NULL,
            old_tier    TEXT,
            new_tier    TEXT NOT NULL,
            reason      TEXT NOT NULL,
            source      TEXT NOT NULL DEFAULT 'manual'   -- manual | rule
        );
        CREATE INDEX tier_history_customer ON tier_history(customer_id, at);

        CREATE TABLE campaigns (
            id                 INTEGER PRIMARY KEY,
            name               TEXT NOT NULL,
            channel            TEXT NOT NULL,
            goal_responses     INTEGER,
            goal_revenue_minor INTEGER,
            budget_minor       INTEGER,
            currency           TEXT NOT NULL DEFAULT 'CNY',
            start_date         TEXT,
            end_date           TEXT,
            note               TEXT,
            created_at         TEXT NOT NULL
        );
        CREATE TABLE campaign_targets (
            campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            added_at     TEXT NOT NULL,
            responded_at TEXT,
            outcome      TEXT,
            PRIMARY KEY (campaign_id, customer_id)
        ) WITHOUT ROWID;

        CREATE TABLE interactions (
            id                 INTEGER PRIMARY KEY,
            customer_id        INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            at                 TEXT NOT NULL,
            channel            TEXT NOT NULL CHECK (channel IN
                ('phone', 'email', 'meeting', 'visit', 'wechat', 'chat', 'social', 'other')),
            direction          TEXT CHECK (direction IN ('in', 'out')),
            summary            TEXT NOT NULL,
            outcome            TEXT,
            satisfaction       INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
            complaint          INTEGER NOT NULL DEFAULT 0,
            complaint_category TEXT CHECK (complaint_category IN
                ('product', 'service', 'delivery', 'billing', 'other')),
            resolved_at        TEXT,
            campaign_id        INTEGER REFERENCES campaigns(id) ON DELETE SET NULL
        );
        CREATE INDEX interactions_customer ON interactions(customer_id, at);
        CREATE INDEX interactions_at ON interactions(at);
        CREATE INDEX interactions_open_complaints ON interactions(customer_id, at)
            WHERE complaint = 1 AND resolved_at IS NULL;

        CREATE TABLE purchases (
            id           INTEGER PRIMARY KEY,
            customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            date         TEXT NOT NULL,      -- local date YYYY-MM-DD
            amount_minor INTEGER NOT NULL,   -- exact: integer minor units (fen, cents)
            currency     TEXT NOT NULL DEFAULT 'CNY',
            note         TEXT,
            campaign_id  INTEGER REFERENCES campaigns(id) ON DELETE SET NULL
        );
        CREATE INDEX purchases_customer ON purchases(customer_id, date);
        CREATE INDEX purchases_date ON purchases(date);

        CREATE TABLE followups (
            id          INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            due         TEXT NOT NULL,       -- local date YYYY-MM-DD
            kind        TEXT NOT NULL DEFAULT 'scheduled' CHECK (kind IN ('scheduled', 'notify')),
            purpose     TEXT,
            created_at  TEXT NOT NULL,
            done_at     TEXT,
            note        TEXT
        );
        CREATE INDEX followups_open ON followups(due) WHERE done_at IS NULL;
        CREATE INDEX followups_customer ON followups(customer_id);

        CREATE TABLE consent_events (
            id          INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            channel     TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'wechat')),
            granted     INTEGER NOT NULL CHECK (granted IN (0, 1)),
            at          TEXT NOT NULL,
            source      TEXT,
            recorded_by TEXT
        );
        CREATE INDEX consent_customer ON consent_events(customer_id, channel, at);

        CREATE TABLE audit_log (
            id        INTEGER PRIMARY KEY,
            at        TEXT NOT NULL,
            os_user   TEXT NOT NULL,
            command   TEXT NOT NULL,
            action    TEXT NOT NULL,
            entity    TEXT NOT NULL,
            entity_id TEXT,
            fields    TEXT NOT NULL DEFAULT '[]',   -- JSON list of field names, never values
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL
        );

        -- Search: substring matches of 3+ characters through trigrams; shorter queries
        -- (most Chinese names are 2-3 characters) through CJK unigrams and bigrams and
        -- word prefixes. Contentless, so no copy of the text is kept beside the index.
        CREATE VIRTUAL TABLE search_trigram USING fts5(
            text, tokenize = 'trigram', content = '', contentless_delete = 1);
        CREATE VIRTUAL TABLE search_grams USING fts5(
            text, tokenize = 'unicode61 remove_diacritics 2', content = '',
            contentless_delete = 1);
        """
    )


def m002_campaign_exclusions(conn) -> None:
    # Who a campaign's targeting left out for lack of consent for its channel: the
    # report's excluded_no_consent, counted once per person however often targeting runs.
    conn.executescript(
        """
        CREATE TABLE campaign_exclusions (
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            at          TEXT NOT NULL,
            reason      TEXT NOT NULL DEFAULT 'no-consent',
            PRIMARY KEY (campaign_id, customer_id)
        ) WITHOUT ROWID;
        """
    )


def m003_interactions_rated(conn) -> None:
    # The follow-up report's churn rule "latest satisfaction <= 2" reads the newest rating
    # per customer; this covering partial index makes that one pass over the rated
    # interactions instead of the whole table (1M rows: ~1 s -> well under 0.1 s).
    conn.executescript(
        """
        CREATE INDEX interactions_rated ON interactions(customer_id, at, satisfaction)
            WHERE satisfaction IS NOT NULL;
        """
    )


def m004_followups_report(conn) -> None:
    # What keeps `crmctl followups` under half a second at 100,000 customers and 1,000,000
    # interactions (bench/followups_bench.py):
    # - customers_due: per tier, those whose last contact (or, never contacted, the day
    #   added) is older than a limit, as one index range each instead of a table scan
    #   (covering: the report reads no table row for them);
    # - customers_birthday_day / customers_first_purchase_day: care dates by MM-DD range;
    # - latest_ratings: each customer's newest satisfaction rating, kept by triggers
    #   whoever writes interactions (newest `at` wins, then the highest id), so the churn
    #   rule "latest rating <= 2" reads a few rows instead of every rated interaction.
    #   No foreign key on purpose: a cascade from `rm` must not trip over it; the
    #   customers trigger removes the row instead.
    recompute = """
            DELETE FROM latest_ratings WHERE customer_id = {cid};
            INSERT INTO latest_ratings (customer_id, at, satisfaction)
                SELECT customer_id, at, satisfaction FROM interactions
                WHERE customer_id = {cid} AND satisfaction IS NOT NULL
                  AND EXISTS (SELECT 1 FROM customers WHERE id = {cid})
                ORDER BY at DESC, id DESC LIMIT 1;"""
    conn.executescript(
        f"""
        CREATE INDEX customers_due ON customers(tier, coalesce(last_contact_at, created_at),
            last_contact_at, created_at, name, forgotten_at) WHERE forgotten_at IS NULL;
        CREATE INDEX customers_birthday_day ON customers(substr(birthday, -5))
            WHERE birthday IS NOT NULL AND forgotten_at IS NULL;
        CREATE INDEX customers_first_purchase_day ON customers(substr(first_purchase_at, 6, 5))
            WHERE first_purchase_at IS NOT NULL AND forgotten_at IS NULL;
        CREATE TABLE latest_ratings (
            customer_id  INTEGER PRIMARY KEY,
            at           TEXT NOT NULL,
            satisfaction INTEGER NOT NULL
        );
        CREATE INDEX latest_ratings_low ON latest_ratings(satisfaction) WHERE satisfaction <= 2;
        INSERT INTO latest_ratings (customer_id, at, satisfaction)
            SELECT customer_id, at, satisfaction FROM (
                SELECT customer_id, at, satisfaction, row_number() OVER (
                    PARTITION BY customer_id ORDER BY at DESC, id DESC) AS n
                FROM interactions WHERE satisfaction IS NOT NULL) WHERE n = 1;
        CREATE TRIGGER interactions_rating_insert AFTER INSERT ON interactions
            WHEN NEW.satisfaction IS NOT NULL BEGIN
            INSERT INTO latest_ratings (customer_id, at, satisfaction)
                VALUES (NEW.customer_id, NEW.at, NEW.satisfaction)
                ON CONFLICT (customer_id) DO UPDATE SET at = excluded.at,
                    satisfaction = excluded.satisfaction WHERE excluded.at >= latest_ratings.at;
        END;
        CREATE TRIGGER interactions_rating_update
            AFTER UPDATE OF customer_id, at, satisfaction ON interactions BEGIN
            {recompute.format(cid="OLD.customer_id")}
            {recompute.format(cid="NEW.customer_id")}
        END;
        CREATE TRIGGER interactions_rating_delete AFTER DELETE ON interactions
            WHEN OLD.satisfaction IS NOT NULL BEGIN
            {recompute.format(cid="OLD.customer_id")}
        END;
        CREATE TRIGGER customers_rating_delete AFTER DELETE ON customers BEGIN
            DELETE FROM latest_ratings WHERE customer_id = OLD.id;
        END;
        """
    )


_IN_CHECK = re.compile(r"CHECK \((\w+) IN\s*\(([^()]*)\)\)")


def _or_chain(match: re.Match) -> str:
    column, items = match.group(1), [item.strip() for item in match.group(2).split(",")]
    return "CHECK (" + " OR ".join(f"{column} = {item}" for item in items) + ")"


def m005_checks_without_in_lists(conn) -> None:
    """CHECK (x IN (…)) builds an ephemeral table for its list each time an INSERT runs, i.e.
    once per row of an executemany: ~4 µs a row, half the cost of inserting a customer. The
    same rule as an OR chain costs nothing measurable (NULL passes both, as before). Only
    the constraint's text changes and the data already obeys it, so instead of rebuilding
    the tables (whose DROP would cascade) this uses SQLite's documented procedure for such
    changes: edit the schema text with writable_schema and bump schema_version."""
    tables = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                          "AND sql LIKE '%CHECK%IN%'").fetchall()
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        for name, sql in tables:
            rewritten = _IN_CHECK.sub(_or_chain, sql)
            if rewritten != sql:
                conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                             (rewritten, name))
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def m006_customers_card(conn) -> None:
    # Fewer encrypted pages for the follow-up report (each read is a decrypt + HMAC):
    # - customers_card: the report names every customer it lists, ~15,000 look-ups by id at
    #   100,000 customers (low ratings, open complaints, scheduled follow-ups); through the
    #   table each reads a page of whole customer rows, here only id, tier and name;
    # - latest_ratings_low with `at`: the low ratings and their days from the index alone,
    #   instead of a scan of every customer's latest rating.
    conn.execute("CREATE INDEX customers_card ON customers(id, tier, name, forgotten_at) "
                 "WHERE forgotten_at IS NULL")
    conn.execute("DROP INDEX latest_ratings_low")
    conn.execute("CREATE INDEX latest_ratings_low ON latest_ratings(satisfaction, at) "
                 "WHERE satisfaction <= 2")
