//! What the conformance suite does not see: keys expire with their records, prefixes
//! isolate adapters, the key layout keeps ids with `:` apart, deletes leave nothing
//! behind, email changes are unique under concurrency, and a dropped connection or a
//! restarted server heals by itself. Against `REDIS_URL` (skipped, with the reason
//! printed, when it is unset or unreachable), under random key prefixes.

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use authgate_core::{
    adapter::{
        Adapter, AdapterAccount, AdapterError, AdapterSession, AdapterUser, NewUser, UserUpdate,
        VerificationToken,
    },
    AccountType,
};
use authgate_redis::{redis, RedisAdapter};
use common::{with_redis, TestRedis};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use time::OffsetDateTime;

fn unique_email() -> String {
    format!("u-{}@redis.example", uuid::Uuid::new_v4().simple())
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        email: Some(email.to_owned()),
        ..NewUser::default()
    }
}

fn account(user_id: &str, provider: &str, id: &str) -> AdapterAccount {
    AdapterAccount {
        user_id: user_id.to_owned(),
        kind: AccountType::OAuth,
        provider: provider.to_owned(),
        provider_account_id: id.to_owned(),
        extra: serde_json::Map::new(),
    }
}

fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn session(user_id: &str, expires_in: time::Duration) -> AdapterSession {
    AdapterSession {
        session_token: token(),
        user_id: user_id.to_owned(),
        expires: OffsetDateTime::now_utc() + expires_in,
    }
}

/// An adapter under a new prefix, with a user.
async fn adapter_with_user(redis: &TestRedis) -> (RedisAdapter, AdapterUser) {
    let adapter = redis.adapter().await;
    let user = adapter.create_user(new_user(&unique_email())).await;
    (adapter, user.expect("create_user"))
}

async fn pttl(conn: &ConnectionManager, key: String) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(&mut conn.clone())
        .await
        .expect("PTTL")
}

/// `PTTL` is within two seconds of `secs`.
fn about(pttl: i64, secs: i64) -> bool {
    (pttl - secs * 1000).abs() < 2000
}

#[tokio::test]
async fn sessions_and_tokens_expire_in_redis_at_their_expiry() {
    with_redis(|redis| async move {
        let adapter = redis.adapter().await;
        let p = adapter.prefix().to_owned();
        let user = adapter
            .create_user(new_user(&unique_email()))
            .await
            .unwrap();
        assert_eq!(pttl(&redis.conn, format!("{p}user:{}", user.id)).await, -1);

        let s = session(&user.id, time::Duration::hours(1));
        adapter.create_session(s.clone()).await.unwrap();
        let key = format!("{p}session:{}", s.session_token);
        let ttl = pttl(&redis.conn, key.clone()).await;
        assert!(about(ttl, 3600), "session PTTL {ttl}");
        let later = OffsetDateTime::now_utc() + time::Duration::hours(2);
        adapter
            .update_session(&s.session_token, later)
            .await
            .unwrap()
            .expect("updated");
        let ttl = pttl(&redis.conn, key).await;
        assert!(about(ttl, 7200), "moved session PTTL {ttl}");

        let t = VerificationToken {
            identifier: unique_email(),
            token: token(),
            expires: OffsetDateTime::now_utc() + time::Duration::minutes(10),
        };
        adapter.create_verification_token(t.clone()).await.unwrap();
        let key = format!("{p}verification:{}:{}", t.identifier, t.token);
        let ttl = pttl(&redis.conn, key).await;
        assert!(about(ttl, 600), "verification token PTTL {ttl}");
    })
    .await;
}

#[tokio::test]
async fn an_expired_session_not_yet_evicted_is_absent() {
    with_redis(|redis| async move {
        let (adapter, user) = adapter_with_user(&redis).await;
        let mut s = session(&user.id, time::Duration::hours(1));
        adapter.create_session(s.clone()).await.unwrap();
        // The record says it expired; Redis still keeps it for an hour (clocks differ).
        s.expires = OffsetDateTime::now_utc() - time::Duration::seconds(1);
        let key = format!("{}session:{}", adapter.prefix(), s.session_token);
        let _: () = redis::cmd("SET")
            .arg(key)
            .arg(serde_json::to_string(&s).unwrap())
            .arg("KEEPTTL")
            .query_async(&mut redis.conn.clone())
            .await
            .unwrap();
        assert_eq!(
            adapter
                .get_session_and_user(&s.session_token)
                .await
                .unwrap(),
            None
        );
        assert_eq!(adapter.list_sessions(&user.id).await.unwrap(), vec![]);
    })
    .await;
}

#[tokio::test]
async fn session_reads_load_their_script_into_a_server_without_it() {
    with_redis(|redis| async move {
        let (adapter, user) = adapter_with_user(&redis).await;
        let s = session(&user.id, time::Duration::hours(1));
        adapter.create_session(s.clone()).await.unwrap();
        // As after a restart: the server holds no script (a batch of one and of two).
        // (The flush is server-wide: other tests' scripts reload on their next call.)
        for tokens in [
            vec![s.session_token.clone()],
            vec![s.session_token.clone(); 2],
        ] {
            let _: () = redis::cmd("SCRIPT")
                .arg("FLUSH")
                .query_async(&mut redis.conn.clone())
                .await
                .expect("SCRIPT FLUSH");
            let found = adapter.get_sessions_and_users(&tokens).await.unwrap();
            assert_eq!(found.len(), tokens.len());
            for read in found {
                let (session, found_user) = read.unwrap().expect("the session");
                assert_eq!(session.session_token, s.session_token);
                assert_eq!(found_user, user);
            }
        }
    })
    .await;
}

/// The last command the server ran for a client (`CLIENT LIST ID`, asked on another
/// connection).
async fn last_command(redis: &TestRedis, id: i64) -> String {
    let line: String = redis::cmd("CLIENT")
        .arg("LIST")
        .arg("ID")
        .arg(id)
        .query_async(&mut redis.conn.clone())
        .await
        .expect("CLIENT LIST");
    line.split_whitespace()
        .find_map(|field| field.strip_prefix("cmd="))
        .expect("cmd=")
        .to_owned()
}

/// Session tokens an adapter has read before are read with one `MGET` of the session
/// and user records (it remembers each session's user), and answer as the script does.
#[tokio::test]
async fn sessions_read_before_take_one_mget_and_answer_as_the_script() {
    with_redis(|redis| async move {
        let client = redis::Client::open(redis.url.as_str()).unwrap();
        let conn = ConnectionManager::new(client).await.unwrap();
        let prefix = redis.new_prefix();
        let adapter = RedisAdapter::new(conn.clone()).with_prefix(prefix.clone());
        let id = client_id(&conn).await;
        let other = || RedisAdapter::new(redis.conn.clone()).with_prefix(prefix.clone());
        let user = adapter
            .create_user(new_user(&unique_email()))
            .await
            .unwrap();
        let gone = adapter
            .create_user(new_user(&unique_email()))
            .await
            .unwrap();
        let s: Vec<AdapterSession> = [&user, &user, &user, &gone, &user]
            .iter()
            .map(|u| session(&u.id, time::Duration::hours(1)))
            .collect();
        for one in &s {
            adapter.create_session(one.clone()).await.unwrap();
        }
        let tokens: Vec<String> = s.iter().map(|x| x.session_token.clone()).collect();
        let read = |a: RedisAdapter| {
            let tokens = tokens.clone();
            async move {
                a.get_sessions_and_users(&tokens)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| r.map(|found| found.map(|(s, u)| (s.session_token, u.id))))
                    .map(|r| r.map_err(|e| e.to_string()))
                    .collect::<Vec<_>>()
            }
        };
        let first = read(adapter.clone()).await;
        assert!(first.iter().all(|r| matches!(r, Ok(Some(_)))), "{first:?}");
        assert_eq!(last_command(&redis, id).await, "evalsha");
        assert_eq!(read(adapter.clone()).await, first);
        assert_eq!(last_command(&redis, id).await, "mget");

        // Behind this adapter's back: a session deleted (by another instance), one
        // expired, a user record gone, a session moved to another user by hand.
        other().delete_session(&tokens[1]).await.unwrap();
        let mut expired = s[2].clone();
        expired.expires = OffsetDateTime::now_utc() - time::Duration::seconds(1);
        set_session_raw(
            &redis,
            &adapter,
            &tokens[2],
            &serde_json::to_string(&expired).unwrap(),
        )
        .await;
        let _: () = redis::cmd("DEL")
            .arg(format!("{prefix}user:{}", gone.id))
            .query_async(&mut redis.conn.clone())
            .await
            .unwrap();
        let third = adapter
            .create_user(new_user(&unique_email()))
            .await
            .unwrap();
        let mut moved = s[4].clone();
        moved.user_id = third.id.clone();
        set_session_raw(
            &redis,
            &adapter,
            &tokens[4],
            &serde_json::to_string(&moved).unwrap(),
        )
        .await;

        // The warm adapter answers as a fresh one (the script): the pairs its
        // remembered user keys do not explain are read again with the script.
        let warm = read(adapter.clone()).await;
        assert_eq!(last_command(&redis, id).await, "evalsha", "read again");
        let fresh = read(other()).await;
        let found = |i: usize, u: &AdapterUser| Ok(Some((tokens[i].clone(), u.id.clone())));
        assert_eq!(
            fresh,
            vec![
                found(0, &user),
                Ok(None),
                Ok(None),
                Ok(None),
                found(4, &third)
            ]
        );
        assert_eq!(warm, fresh, "as the script answers");
        // The moved session's new user is remembered: both live ones take one MGET.
        let live = [tokens[0].clone(), tokens[4].clone()];
        let again = adapter.get_sessions_and_users(&live).await.unwrap();
        assert_eq!(last_command(&redis, id).await, "mget");
        assert_eq!(again[1].as_ref().unwrap().as_ref().unwrap().1.id, third.id);
        // A batch with a token never read goes through the script.
        let mixed = [tokens[0].clone(), token()];
        let answers = adapter.get_sessions_and_users(&mixed).await.unwrap();
        assert_eq!(last_command(&redis, id).await, "evalsha");
        assert!(
            matches!(answers[..], [Ok(Some(_)), Ok(None)]),
            "{answers:?}"
        );
        // Signed out on this instance: the next read finds nothing.
        adapter.delete_session(&tokens[0]).await.unwrap();
        let after = adapter.get_session_and_user(&tokens[0]).await.unwrap();
        assert_eq!(after, None);
    })
    .await;
}

/// Sets a raw session record.
async fn set_session_raw(redis: &TestRedis, adapter: &RedisAdapter, token: &str, value: &str) {
    set_raw(redis, adapter, &format!("session:{token}"), value).await;
}

/// Sets a raw value under the adapter's prefix.
async fn set_raw(redis: &TestRedis, adapter: &RedisAdapter, key: &str, value: &str) {
    let _: () = redis::cmd("SET")
        .arg(format!("{}{key}", adapter.prefix()))
        .arg(value)
        .query_async(&mut redis.conn.clone())
        .await
        .expect("SET");
}

#[tokio::test]
async fn an_unreadable_record_fails_only_its_own_read_of_a_batch() {
    with_redis(|redis| async move {
        let (adapter, user) = adapter_with_user(&redis).await;
        let good = session(&user.id, time::Duration::hours(1));
        adapter.create_session(good.clone()).await.unwrap();
        // A session record that is not JSON, one that is JSON but not an object, an
        // empty one, and a well-formed session whose user record is not JSON. And a
        // session record written pretty (by hand, say): it is read.
        let (not_json, not_object, bad_user, empty) = (token(), token(), token(), token());
        set_session_raw(&redis, &adapter, &not_json, "{oops").await;
        set_session_raw(&redis, &adapter, &not_object, "5").await;
        set_session_raw(&redis, &adapter, &empty, "").await;
        let pretty = session(&user.id, time::Duration::hours(1));
        let pretty_json = serde_json::to_string_pretty(&pretty).unwrap();
        assert!(pretty_json.contains('\n'));
        set_session_raw(&redis, &adapter, &pretty.session_token, &pretty_json).await;
        let broken = adapter
            .create_user(new_user(&unique_email()))
            .await
            .unwrap();
        let s = AdapterSession {
            session_token: bad_user.clone(),
            ..session(&broken.id, time::Duration::hours(1))
        };
        adapter.create_session(s).await.unwrap();
        set_raw(&redis, &adapter, &format!("user:{}", broken.id), "[1,").await;

        let asked = [
            good.session_token.clone(),
            not_json,
            token(),
            not_object,
            bad_user,
            good.session_token.clone(),
            empty.clone(),
            pretty.session_token.clone(),
        ];
        let found = adapter.get_sessions_and_users(&asked).await.unwrap();
        assert_eq!(found.len(), asked.len());
        let ok = |i: usize| match &found[i] {
            Ok(Some((s, u))) => Some((s.session_token.clone(), u.id.clone())),
            other => panic!("read {i}: {other:?}"),
        };
        let expected = Some((good.session_token.clone(), user.id.clone()));
        assert_eq!(ok(0), expected);
        assert!(found[1].is_err(), "not JSON: {:?}", found[1]);
        assert!(matches!(found[2], Ok(None)), "unknown: {:?}", found[2]);
        assert!(found[3].is_err(), "not an object: {:?}", found[3]);
        assert!(found[4].is_err(), "unreadable user: {:?}", found[4]);
        assert_eq!(ok(5), expected);
        assert!(found[6].is_err(), "empty record: {:?}", found[6]);
        assert_eq!(ok(7), Some((pretty.session_token.clone(), user.id.clone())));
        // Read alone, an empty record fails the same way.
        assert!(adapter.get_session_and_user(&empty).await.is_err());
    })
    .await;
}

/// A record written by hand whose first `"user_id":"` is a nested member names another
/// user to the script: the read fails rather than pair the session with that user.
#[tokio::test]
async fn a_session_is_never_paired_with_another_user() {
    with_redis(|redis| async move {
        let (adapter, user) = adapter_with_user(&redis).await;
        let other = adapter
            .create_user(new_user(&unique_email()))
            .await
            .unwrap();
        let s = session(&user.id, time::Duration::hours(1));
        adapter.create_session(s.clone()).await.unwrap();
        // The adapter's own record with a nested `user_id` member first.
        let own = serde_json::to_string(&s).unwrap();
        let record = format!(r#"{{"meta":{{"user_id":"{}"}},{}"#, other.id, &own[1..]);
        assert!(
            serde_json::from_str::<AdapterSession>(&record).is_ok(),
            "{record}"
        );
        set_session_raw(&redis, &adapter, &s.session_token, &record).await;
        let found = adapter.get_session_and_user(&s.session_token).await;
        assert!(found.is_err(), "{found:?}");
        let batch = [s.session_token.clone()];
        let found = adapter.get_sessions_and_users(&batch).await.unwrap();
        assert!(found[0].is_err(), "{:?}", found[0]);
    })
    .await;
}

#[tokio::test]
async fn session_reads_find_users_whose_ids_need_escaping() {
    with_redis(|redis| async move {
        let adapter = redis.adapter().await;
        // `:` and `%` are escaped in keys; a quote or backslash is escaped in the JSON
        // record (the script then decodes it instead of matching it).
        let ids = ["a:b%c", "q\"u\\x", "plain-1", "%3A"];
        let mut asked = Vec::new();
        for id in ids {
            let user = adapter
                .create_user(NewUser {
                    id: Some(id.to_owned()),
                    ..new_user(&unique_email())
                })
                .await
                .unwrap();
            let s = session(&user.id, time::Duration::hours(1));
            adapter.create_session(s.clone()).await.unwrap();
            asked.push(s.session_token);
        }
        let found = adapter.get_sessions_and_users(&asked).await.unwrap();
        let users: Vec<String> = found
            .into_iter()
            .map(|f| f.unwrap().expect("found").1.id)
            .collect();
        assert_eq!(users, ids);
        for (token, id) in asked.iter().zip(ids) {
            let (_, user) = adapter
                .get_session_and_user(token)
                .await
                .unwrap()
                .expect("found alone");
            assert_eq!(user.id, id);
        }
    })
    .await;
}

#[tokio::test]
async fn listing_sessions_drops_members_whose_session_is_gone() {
    with_redis(|redis| async move {
        let (adapter, user) = adapter_with_user(&redis).await;
        let evicted = session(&user.id, time::Duration::hours(1));
        let short = session(&user.id, time::Duration::milliseconds(300));
        let kept = session(&user.id, time::Duration::hours(2));
        for s in [&evicted, &short, &kept] {
            adapter.create_session(s.clone()).await.unwrap();
        }
        let mut conn = redis.conn.clone();
        let key = format!("{}session:{}", adapter.prefix(), evicted.session_token);
        let _: () = redis::cmd("DEL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;

        assert_eq!(adapter.list_sessions(&user.id).await.unwrap(), vec![kept]);
        let set = format!("{}user:sessions:{}", adapter.prefix(), user.id);
        let members: u64 = redis::cmd("ZCARD")
            .arg(set)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(members, 1, "stale members are removed");
    })
    .await;
}

#[tokio::test]
async fn a_prefix_isolates_adapters_on_one_server() {
    with_redis(|redis| async move {
        let a = redis.adapter().await;
        let b = a.clone().with_prefix(redis.new_prefix());
        let email = unique_email();
        let user = a.create_user(new_user(&email)).await.unwrap();
        a.link_account(account(&user.id, "github", "42"))
            .await
            .unwrap();
        assert_eq!(b.get_user(&user.id).await.unwrap(), None);
        assert_eq!(b.get_user_by_email(&email).await.unwrap(), None);
        assert_eq!(b.get_user_by_account("github", "42").await.unwrap(), None);
        let other = b
            .create_user(new_user(&email))
            .await
            .expect("the email is free in b");
        b.link_account(account(&other.id, "github", "42"))
            .await
            .expect("the account is free in b");
        assert_eq!(a.get_user_by_email(&email).await.unwrap(), Some(user));
        let a_keys = redis.keys(a.prefix()).await.unwrap();
        assert!(!a_keys.is_empty());
        assert!(a_keys.iter().all(|k| !k.starts_with(b.prefix())));
    })
    .await;
}

#[tokio::test]
async fn ids_with_colons_never_share_a_key() {
    with_redis(|redis| async move {
        let (adapter, user) = adapter_with_user(&redis).await;
        let one = account(&user.id, "a:b", "c");
        let two = account(&user.id, "a", "b:c");
        adapter.link_account(one.clone()).await.unwrap();
        adapter
            .link_account(two.clone())
            .await
            .expect("another account");
        assert_eq!(
            adapter.list_accounts(&user.id).await.unwrap(),
            vec![two, one]
        );
        adapter.unlink_account("a", "b:c").await.unwrap();
        assert_eq!(
            adapter.get_user_by_account("a:b", "c").await.unwrap(),
            Some(user)
        );

        let expires = OffsetDateTime::now_utc() + time::Duration::minutes(5);
        let first = VerificationToken {
            identifier: "x:y".into(),
            token: "z".into(),
            expires,
        };
        adapter
            .create_verification_token(first.clone())
            .await
            .unwrap();
        assert_eq!(
            adapter.use_verification_token("x", "y:z").await.unwrap(),
            None
        );
        assert_eq!(
            adapter.use_verification_token("x:y", "z").await.unwrap(),
            Some(first)
        );
    })
    .await;
}

#[tokio::test]
async fn deleting_a_user_leaves_no_key_behind() {
    with_redis(|redis| async move {
        let adapter = redis.adapter().await;
        let email = unique_email();
        let user = adapter
            .create_user_with_account(new_user(&email), account("", "github", "7"))
            .await
            .unwrap();
        adapter
            .link_account(account(&user.id, "gitlab", "8"))
            .await
            .unwrap();
        for hours in [1, 2] {
            let s = session(&user.id, time::Duration::hours(hours));
            adapter.create_session(s).await.unwrap();
        }
        adapter.delete_user(&user.id).await.unwrap();
        assert_eq!(
            redis.keys(adapter.prefix()).await.unwrap(),
            Vec::<String>::new()
        );
        adapter
            .create_user_with_account(new_user(&email), account("", "github", "7"))
            .await
            .expect("the email and the account are free again");
    })
    .await;
}

#[tokio::test]
async fn one_of_concurrent_email_changes_wins() {
    with_redis(|redis| async move {
        let adapter: Arc<dyn Adapter> = Arc::new(redis.adapter().await);
        let target = unique_email();
        let mut users = Vec::new();
        for _ in 0..8 {
            users.push(
                adapter
                    .create_user(new_user(&unique_email()))
                    .await
                    .unwrap(),
            );
        }
        let tasks: Vec<_> = users
            .iter()
            .map(|user| {
                let (adapter, id, email) = (Arc::clone(&adapter), user.id.clone(), target.clone());
                let update = UserUpdate {
                    email: Some(Some(email)),
                    ..UserUpdate::default()
                };
                tokio::spawn(async move { adapter.update_user(&id, update).await })
            })
            .collect();
        let mut winners = Vec::new();
        for (task, user) in tasks.into_iter().zip(&users) {
            match task.await.unwrap() {
                Ok(updated) => winners.push((updated, user.email.clone())),
                Err(AdapterError::Conflict(_)) => {}
                Err(other) => panic!("update_user: {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "one user per email");
        let (winner, old_email) = winners.remove(0);
        assert_eq!(
            adapter.get_user_by_email(&target).await.unwrap(),
            Some(winner)
        );
        let old_email = old_email.expect("had an email");
        assert_eq!(adapter.get_user_by_email(&old_email).await.unwrap(), None);
        adapter
            .create_user(new_user(&old_email))
            .await
            .expect("the old email is free");
    })
    .await;
}

/// Calls made while the connection is down fail with `Backend` (or succeed): never a
/// panic, never another kind of error.
fn backend_or_ok<T>(result: Result<T, AdapterError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(AdapterError::Backend(_)) => None,
        Err(other) => panic!("a dropped connection gave {other:?}"),
    }
}

/// Calls `get_user` until it succeeds (at most 20 s, the manager's retries included).
async fn until_it_answers(adapter: &RedisAdapter, id: &str) {
    let start = Instant::now();
    loop {
        if let Some(user) = backend_or_ok(adapter.get_user(id).await) {
            assert!(user.is_some(), "the user is still there");
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no answer after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn client_id(conn: &ConnectionManager) -> i64 {
    redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut conn.clone())
        .await
        .expect("CLIENT ID")
}

/// The adapter's connection is killed from another one; the same adapter answers again
/// on a new connection. Kills that one connection by its id (`CLIENT KILL ID`), not
/// every client (`TYPE normal`), which would also cut tests running alongside and
/// anyone else's clients on a shared server.
#[tokio::test]
async fn a_killed_connection_is_replaced() {
    with_redis(|redis| async move {
        let client = redis::Client::open(redis.url.as_str()).unwrap();
        let conn = ConnectionManager::new(client).await.unwrap();
        let adapter = RedisAdapter::new(conn.clone()).with_prefix(redis.new_prefix());
        let user = adapter
            .create_user(new_user(&unique_email()))
            .await
            .unwrap();
        let before = client_id(&conn).await;

        let killed: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(before)
            .query_async(&mut redis.conn.clone())
            .await
            .unwrap();
        assert_eq!(killed, 1);
        backend_or_ok(adapter.get_user(&user.id).await);
        backend_or_ok(adapter.create_user(new_user(&unique_email())).await);
        until_it_answers(&adapter, &user.id).await;
        assert_ne!(client_id(&conn).await, before, "a new connection");
    })
    .await;
}

/// Stops the server (`SHUTDOWN NOSAVE`: it keeps nothing) and starts it again with the
/// command in the brief; the same adapter answers again. Ignored: it wipes the whole
/// server, under every prefix, for everyone using it. Run it alone on a server of your
/// own: `cargo test -p authgate-redis --test redis -- --ignored a_restarted_server`.
#[tokio::test]
#[ignore = "restarts the Redis server at REDIS_URL and wipes it"]
async fn a_restarted_server_is_reconnected() {
    with_redis(|redis| async move {
        let (adapter, user) = adapter_with_user(&redis).await;
        authgate_test_support::stop_redis(&redis.url);
        backend_or_ok(adapter.get_user(&user.id).await);
        authgate_test_support::start_redis();
        // The data is gone with the restart: write again, then read.
        let start = Instant::now();
        let again = loop {
            let result = adapter.create_user(new_user(&unique_email())).await;
            if let Some(user) = backend_or_ok(result) {
                break user;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no answer after 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        until_it_answers(&adapter, &again.id).await;
    })
    .await;
}

/// No server needed: an unreachable one is a `Backend` error, from `connect` and from
/// every call of an adapter whose connection cannot be made.
#[tokio::test]
async fn an_unreachable_server_is_a_backend_error() {
    let err = RedisAdapter::connect("not a url").await.unwrap_err();
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
    let client = redis::Client::open("redis://127.0.0.1:1").unwrap();
    let config = ConnectionManagerConfig::new().set_number_of_retries(0);
    let conn = ConnectionManager::new_lazy_with_config(client, config).unwrap();
    let adapter = RedisAdapter::new(conn);
    assert_eq!(adapter.prefix(), "authgate:", "the default prefix");
    let err = adapter.get_user("x").await.unwrap_err();
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
    let err = adapter
        .create_user(new_user(&unique_email()))
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
    let err = adapter.list_sessions("x").await.unwrap_err();
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
}
