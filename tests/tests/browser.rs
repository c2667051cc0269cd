//! A real browser (headless Chromium through chromedriver, WebDriver) through the
//! built-in pages, on both frameworks: `/dashboard` → the sign-in page → fill and
//! submit the credentials form → back on `/dashboard`, signed in → the sign-out page →
//! signed out. Skips, saying why, only where no Chromium or chromedriver can be had
//! (`.ci/run` installs them: Debian's `chromium` and `chromium-driver`).

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use authgate_tests::{spawn, Framework, Server};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(program: &str, candidates: &[&str]) -> Option<String> {
    std::env::var(program.to_uppercase().replace('-', "_"))
        .ok()
        .into_iter()
        .chain(candidates.iter().map(|c| (*c).to_owned()))
        .find(|p| std::path::Path::new(p).exists())
}

async fn driver() -> Result<Driver, String> {
    let chromedriver = find(
        "chromedriver",
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
    )
    .ok_or("no chromedriver (apt install chromium-driver, or set CHROMEDRIVER)")?;
    if find(
        "chromium",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    )
    .is_none()
    {
        return Err("no chromium (apt install chromium, or set CHROMIUM)".into());
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{chromedriver}: {e}"))?;
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if Instant::now() > deadline {
            return Err("chromedriver did not start listening".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(driver)
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    let mut chrome = json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
    });
    if let Some(bin) = find(
        "chromium",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    ) {
        chrome["binary"] = json!(bin);
    }
    caps.insert("goog:chromeOptions".into(), chrome);
    // chromedriver is plain http on loopback: no TLS stack needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

/// Waits until the browser's URL satisfies `ok` (page loads and redirects are async).
async fn wait_for_url(client: &Client, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = client.current_url().await.expect("current url").to_string();
        if ok(&url) {
            return url;
        }
        assert!(Instant::now() < deadline, "waiting for {what}; at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text of the page's body.
async fn body_text(client: &Client) -> String {
    client
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text")
}

async fn sign_in_and_out(client: &Client, server: &Server) {
    let base = &server.base;
    client
        .goto(&format!("{base}/dashboard"))
        .await
        .expect("goto");
    let url = wait_for_url(client, "the sign-in page", |u| u.contains("/auth/signin")).await;
    assert!(url.contains("callbackUrl="), "{url}");
    client
        .find(Locator::Css("input[name=username]"))
        .await
        .expect("username field")
        .send_keys("alice")
        .await
        .expect("type");
    client
        .find(Locator::Css("input[name=password]"))
        .await
        .expect("password field")
        .send_keys("wonderland")
        .await
        .expect("type");
    client
        .find(Locator::XPath(
            "//form[contains(@action, '/callback/credentials')]//button",
        ))
        .await
        .expect("the credentials button")
        .click()
        .await
        .expect("submit");
    let dashboard = format!("{base}/dashboard");
    wait_for_url(client, "the dashboard", |u| u == dashboard).await;
    let text = body_text(client).await;
    assert!(text.contains("Welcome, Alice."), "{text}");

    // Sign out through the built-in page.
    client
        .goto(&format!("{base}/auth/signout"))
        .await
        .expect("goto");
    client
        .find(Locator::XPath(
            "//form[contains(@action, '/signout')]//button",
        ))
        .await
        .expect("the sign-out button")
        .click()
        .await
        .expect("sign out");
    wait_for_url(client, "leaving the sign-out page", |u| {
        !u.contains("/auth/signout")
    })
    .await;
    client.goto(&format!("{base}/")).await.expect("goto");
    let text = body_text(client).await;
    assert!(text.contains("Not signed in."), "{text}");
    client.goto(&dashboard).await.expect("goto");
    wait_for_url(client, "the sign-in page again", |u| {
        u.contains("/auth/signin")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_browser_signs_in_and_out_on_every_framework() {
    let driver = match driver().await {
        Ok(d) => d,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    for fw in Framework::ALL {
        let server = spawn(fw).await;
        let client = browser(&driver).await;
        sign_in_and_out(&client, &server).await;
        client.close().await.expect("close the browser");
        eprintln!("{fw:?}: signed in and out in Chromium");
    }
}
