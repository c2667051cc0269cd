-- authgate's tables on SQLite. Times are INTEGER Unix seconds (UTC).

CREATE TABLE authgate_users (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT,
    email TEXT UNIQUE,
    email_verified INTEGER,
    image TEXT
);

CREATE TABLE authgate_accounts (
    user_id TEXT NOT NULL REFERENCES authgate_users (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    provider TEXT NOT NULL,
    provider_account_id TEXT NOT NULL,
    access_token TEXT,
    refresh_token TEXT,
    expires_at INTEGER,
    token_type TEXT,
    scope TEXT,
    id_token TEXT,
    session_state TEXT,
    -- every other field of the account, a JSON object
    extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (provider, provider_account_id)
);

CREATE INDEX authgate_accounts_user_id ON authgate_accounts (user_id);

CREATE TABLE authgate_sessions (
    session_token TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES authgate_users (id) ON DELETE CASCADE,
    expires INTEGER NOT NULL
);

CREATE INDEX authgate_sessions_user_id ON authgate_sessions (user_id);

CREATE TABLE authgate_verification_tokens (
    identifier TEXT NOT NULL,
    token TEXT NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY (identifier, token)
);
