"""The store's schema, defined once: these tables create the database and build every statement."""

import sqlalchemy as sa

# 1: accounts, idempotency keys; 2: audit chain, login failures; 3: limit usage;
# 4: login attempts (replacing login failures: each guess is reserved before it is checked), revoked tokens;
# 5: approvals; 6: denial windows, audit fields (the console's filters), the audit checkpoint
SCHEMA_VERSION = 6

metadata = sa.MetaData()

schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, primary_key=True))

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("node_url", sa.Text, primary_key=True),
    sa.Column("address", sa.Text, primary_key=True),
    sa.Column("account_number", sa.BigInteger, nullable=False),
    sa.Column("next_sequence", sa.BigInteger, nullable=False),
    sa.Column("stale", sa.Boolean, nullable=False),
    sa.Column("reconciled_at", sa.Float, nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("idem_key", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("body", sa.Text),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Index("idempotency_expiry", "expires_at"),
)

# The audit log: an append-only hash chain; audit_head serializes appenders (its row lock is
# taken first), so concurrent writers across replicas still form one chain.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("row_hash", sa.Text, nullable=False),
)
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_id", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.Text, nullable=False),
)

# A login attempt is recorded (as a failure) before its password is checked, in the same
# transaction that counted the subject's recent attempts; a success deletes its own rows.
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("attempt", sa.Text, nullable=False),
    sa.Index("login_attempts_subject", "kind", "subject", "at"),
    sa.Index("login_attempts_attempt", "attempt"),
)

# Tokens revoked by logout, kept until they would have expired anyway.
revoked_tokens = sa.Table(
    "revoked_tokens",
    metadata,
    sa.Column("token_id", sa.Text, primary_key=True),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Index("revoked_tokens_expiry", "expires_at"),
)

# Spend and order counts for policy limits, summed over rolling windows.
usage = sa.Table(
    "usage",
    metadata,
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("symbol", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("usage_window", "scope", "symbol", "at"),
)


# Requests waiting for a quorum of approvers (the two-person rule), and each approver's decision.
approvals = sa.Table(
    "approvals",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("wallet", sa.Text, nullable=False),
    sa.Column("message_type", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),  # sign or broadcast
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("client_ip", sa.Text),
    sa.Column("msg", sa.Text, nullable=False),  # the validated message as JSON, exactly what will be signed
    sa.Column("quorum", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("reason", sa.Text),  # why it was rejected or failed
    sa.Column("result", sa.Text),  # once executed: the signed tx or the node's answer, as JSON
    sa.Index("approvals_status", "status", "wallet"),
)
approval_votes = sa.Table(
    "approval_votes",
    metadata,
    sa.Column("approval_id", sa.Text, primary_key=True),
    sa.Column("username", sa.Text, primary_key=True),  # one decision per user per request
    sa.Column("decision", sa.Text, nullable=False),  # approve or reject
    sa.Column("reason", sa.Text),
    sa.Column("at", sa.Float, nullable=False),
)


# Repeated denials: per (user, wallet, kind) the window's first denial is an audit row; the rest are
# counted here and written as one row with their count when the window is over.
denial_windows = sa.Table(
    "denial_windows",
    metadata,
    sa.Column("username", sa.Text, primary_key=True),
    sa.Column("wallet", sa.Text, primary_key=True),  # "" for wallet names that do not exist
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("repeated", sa.BigInteger, nullable=False),  # denials since the first, not yet written
    sa.Column("last_reason", sa.Text, nullable=False),
    sa.Index("denial_windows_started", "started_at"),
)

# Each audit row's wallet, user and outcome, written with the row: the console filters and pages here.
audit_fields = sa.Table(
    "audit_fields",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("wallet", sa.Text, nullable=False),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Index("audit_fields_wallet", "wallet", "id"),
)

# The last audit row checked, with its hash: the console verifies only the rows after it.
audit_checkpoint = sa.Table(
    "audit_checkpoint",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_id", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.Text, nullable=False),
    sa.Column("mac", sa.Text, nullable=False),  # HMAC with the audit key: the store's writers cannot move it on
)


def create(conn: sa.Connection) -> None:
    """Create what is missing (tables, their indexes, the audit head row) and record the version.

    Every version so far only added tables, so creating the missing ones upgrades any older
    database; a change to an existing table will need its own step here.
    """
    metadata.create_all(conn, checkfirst=True)
    if conn.execute(sa.select(audit_head.c.id)).first() is None:
        conn.execute(sa.insert(audit_head).values(id=1, last_id=0, last_hash=""))
    if (
        conn.execute(sa.select(schema_version.c.version).where(schema_version.c.version == SCHEMA_VERSION)).first()
        is None
    ):
        conn.execute(sa.insert(schema_version).values(version=SCHEMA_VERSION))
