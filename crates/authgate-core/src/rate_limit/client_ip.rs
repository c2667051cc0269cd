//! The client IP a rate limit counts: the connection's peer address (the integrations
//! put it in the request's extensions as [`PeerAddr`]), or, when the peer is a proxy
//! the app trusts, the address that proxy saw (`X-Forwarded-For`, read from the right,
//! skipping trusted proxies).

use std::net::{IpAddr, SocketAddr};

use http::request::Parts;
use ipnet::IpNet;

use crate::Error;

/// The peer address of the connection a request came on (set by the integrations:
/// actix always; axum when the app serves with
/// `into_make_service_with_connect_info::<SocketAddr>()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// The proxies whose `X-Forwarded-For` header is believed.
///
/// ```
/// use authgate_core::rate_limit::TrustedProxies;
///
/// let proxies = TrustedProxies::new(["127.0.0.1/32", "10.0.0.0/8", "::1"]).unwrap();
/// assert!(TrustedProxies::new(["not an address"]).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// No proxy is trusted: the client IP is the peer address.
    pub fn none() -> Self {
        Self::default()
    }

    /// These addresses or networks (`10.0.0.0/8`, `::1`).
    pub fn new<S: AsRef<str>>(nets: impl IntoIterator<Item = S>) -> Result<Self, Error> {
        nets.into_iter()
            .map(|n| {
                let n = n.as_ref().trim();
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        Error::Config(format!("trusted proxy is not an address or network: {n:?}"))
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// What a per-IP limit counts: the address, or an IPv6 address's /64 (one host usually
/// has a whole /64).
pub(crate) fn ip_bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The client IP of a request: `None` when the integration knows no peer address.
pub(crate) fn client_ip(parts: &Parts, proxies: &TrustedProxies) -> Option<IpAddr> {
    let peer = parts.extensions.get::<PeerAddr>()?.0.ip().to_canonical();
    if !proxies.trusts(peer) {
        return Some(peer);
    }
    // Right to left: the nearest hop first; the first one not trusted is the client.
    let mut hops = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    hops.reverse();
    let mut client = peer;
    for hop in hops {
        // `1.2.3.4`, `2001:db8::1`, or with a port: `1.2.3.4:5678`, `[2001:db8::1]:443`.
        let parsed = hop
            .parse::<IpAddr>()
            .or_else(|_| hop.parse::<SocketAddr>().map(|a| a.ip()));
        let Ok(ip) = parsed.map(|ip| ip.to_canonical()) else {
            // A hop we cannot read: stop at the last one we could.
            break;
        };
        client = ip;
        if !proxies.trusts(ip) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, xff: &[&str]) -> Parts {
        let mut req = http::Request::builder().uri("/");
        for v in xff {
            req = req.header("x-forwarded-for", *v);
        }
        let (mut parts, ()) = req.body(()).expect("request").into_parts();
        parts
            .extensions
            .insert(PeerAddr(format!("{peer}:4000").parse().expect("addr")));
        parts
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let none = TrustedProxies::none();
        let lb = TrustedProxies::new(["10.0.0.0/8"]).expect("nets");
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        // Untrusted peer: its header is ignored.
        assert_eq!(
            client_ip(&parts("203.0.113.9", &["1.2.3.4"]), &lb),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(&parts("10.0.0.2", &["1.2.3.4"]), &none),
            Some(ip("10.0.0.2"))
        );
        // Trusted peer: the rightmost untrusted hop (a client cannot prepend its way out).
        let p = parts("10.0.0.2", &["6.6.6.6, 198.51.100.7", "10.0.0.3"]);
        assert_eq!(client_ip(&p, &lb), Some(ip("198.51.100.7")));
        // Hops with ports.
        let p = parts("10.0.0.2", &["198.51.100.7:5678, [2001:db8::1]:443"]);
        assert_eq!(client_ip(&p, &lb), Some(ip("2001:db8::1")));
        // Garbage hops stop the walk; no header: the peer.
        assert_eq!(
            client_ip(&parts("10.0.0.2", &["1.2.3.4, junk"]), &lb),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            client_ip(&parts("10.0.0.2", &[]), &lb),
            Some(ip("10.0.0.2"))
        );
        // No peer address known.
        let (bare, ()) = http::Request::builder().body(()).expect("req").into_parts();
        assert_eq!(client_ip(&bare, &lb), None);
        // IPv4-mapped IPv6 peers are their IPv4 address.
        let mapped = parts("[::ffff:10.0.0.2]", &["192.0.2.1"]);
        assert_eq!(client_ip(&mapped, &lb), Some(ip("192.0.2.1")));
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert_eq!(ip_bucket(ip("198.51.100.7")), "198.51.100.7");
        assert_eq!(ip_bucket(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            ip_bucket(ip("2001:db8:1:2:ffff::9")),
            ip_bucket(ip("2001:db8:1:2::1"))
        );
        assert_ne!(
            ip_bucket(ip("2001:db8:1:3::1")),
            ip_bucket(ip("2001:db8:1:2::1"))
        );
    }
}
