//! Who the client is: the socket peer, or — only when that peer is a trusted reverse proxy
//! (`TRUSTED_PROXIES`) — the address the proxies recorded in `Forwarded` / `X-Forwarded-For`.
//! Rate limits key on this address, so an untrusted client cannot pick its own key.

use std::net::{IpAddr, Ipv4Addr};

use poem::http::HeaderMap;
use poem::Request;

use crate::config::IpRange;

pub(super) fn client_ip(req: &Request, trusted: &[IpRange]) -> IpAddr {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    resolve(peer, req.headers(), trusted)
}

fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    // Hops in order, the client first and the nearest proxy last; walking back from our
    // trusted peer, the first address not belonging to a trusted proxy is the client.
    let hops = forwarded_hops(headers);
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) if is_trusted(*ip) => continue,
            Some(ip) => return *ip,
            // `unknown` or an obfuscated name: the chain cannot be followed further.
            None => return peer,
        }
    }
    peer
}

/// `Forwarded: for=…` (RFC 7239) when present, else `X-Forwarded-For`.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|part| part.trim().to_owned())
            .filter(|part| !part.is_empty())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| parse_node(value))
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .map(|value| parse_node(value))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    text.rsplit_once(':')
        .and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse::<Ipv4Addr>().ok()))
        .map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use poem::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn untrusted_peers_cannot_choose_their_address() {
        let map = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(resolve(ip("203.0.113.9"), &map, &[]), ip("203.0.113.9"));
        let proxy = [IpRange::parse("10.0.0.0/8").expect("range")];
        assert_eq!(resolve(ip("203.0.113.9"), &map, &proxy), ip("203.0.113.9"));
    }

    #[test]
    fn trusted_proxies_are_walked_from_the_right() {
        let proxies = [IpRange::parse("10.0.0.0/8").expect("range")];
        // The client forged a first hop; the real client is the last untrusted one.
        let map = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.2")]);
        assert_eq!(resolve(ip("10.0.0.1"), &map, &proxies), ip("198.51.100.7"));
        let map = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.2",
        )]);
        assert_eq!(resolve(ip("10.0.0.1"), &map, &proxies), ip("2001:db8::7"));
        let map = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(resolve(ip("10.0.0.1"), &map, &proxies), ip("10.0.0.1"));
        let map = headers(&[("x-forwarded-for", "198.51.100.7:5555")]);
        assert_eq!(resolve(ip("10.0.0.1"), &map, &proxies), ip("198.51.100.7"));
    }
}
