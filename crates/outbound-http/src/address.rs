//! Which addresses and names outbound requests may not reach unless the operator allows private
//! addresses (`--allow-private-http`).
//!
//! **Invariant:** an IPv6 address that carries an IPv4 address (IPv4-mapped, IPv4-compatible,
//! IPv4-translated, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is judged by the IPv4 address it
//! carries; of the rest of IPv6 only global unicast (`2000::/3`) outside its special-purpose
//! blocks (Teredo, documentation, benchmarking, ORCHID) passes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of refused address `ip` is (`loopback`, `private`, ...), or `None` for a public
/// address. The kind of an IPv6 address carrying an IPv4 one names both.
pub fn forbidden_kind(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4).map(str::to_string),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

/// Whether `host` (a name, as in a URL: lowercase, maybe with a trailing dot) names this
/// machine by definition (`localhost` and every `*.localhost`, RFC 6761), whatever DNS says.
pub fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

fn v4_kind(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = v4.octets();
    Some(match (a, b, c) {
        (0, _, _) => "unspecified (\"this network\", 0.0.0.0/8)",
        (127, _, _) => "loopback",
        (10, _, _) | (192, 168, _) => "private",
        (172, 16..=31, _) => "private",
        (169, 254, _) => "link-local",
        (100, 64..=127, _) => "carrier-grade NAT",
        (192, 0, 0) => "IETF protocol assignment",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking",
        (192, 88, 99) => "6to4 relay",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved or broadcast",
        _ => return None,
    })
}

/// The IPv4 address an IPv6 address carries, and the name of the form that carries it.
fn embedded_v4(v6: Ipv6Addr) -> Option<(Ipv4Addr, &'static str)> {
    let s = v6.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some((low, "IPv4-mapped")),
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some((low, "IPv4-translated")),
        // `::` and `::1` are themselves (unspecified, loopback), not IPv4-compatible forms.
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, _, _] => Some((low, "IPv4-compatible")),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some((low, "NAT64")),
        [0x2002, hi, lo, ..] => Some((
            Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8),
            "6to4",
        )),
        _ => None,
    }
}

fn v6_kind(v6: Ipv6Addr) -> Option<String> {
    if let Some((v4, form)) = embedded_v4(v6) {
        return v4_kind(v4).map(|kind| format!("{kind} ({v4}, carried in {form} form)"));
    }
    let s = v6.segments();
    let kind = if v6.is_unspecified() {
        "unspecified"
    } else if v6.is_loopback() {
        "loopback"
    } else if s[0] == 0x64 && s[1] == 0xff9b {
        // 64:ff9b:1::/48: NAT64 for local use only (RFC 8215).
        "local-use NAT64"
    } else if s[0] & 0xfe00 == 0xfc00 {
        "unique-local (private)"
    } else if s[0] & 0xffc0 == 0xfe80 {
        "link-local"
    } else if s[0] & 0xffc0 == 0xfec0 {
        "site-local (private)"
    } else if s[0] & 0xff00 == 0xff00 {
        "multicast"
    } else if s[0] & 0xe000 != 0x2000 {
        "reserved (not global unicast)"
    } else if s[0] == 0x2001 && s[1] == 0 {
        "Teredo tunnel"
    } else if s[0] == 0x2001 && s[1] < 0x200 {
        "IETF special-purpose (benchmarking, ORCHID, ...)"
    } else if (s[0] == 0x2001 && s[1] == 0xdb8) || s[0] & 0xfff0 == 0x3ff0 {
        "documentation"
    } else {
        return None;
    };
    Some(kind.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<String> {
        forbidden_kind(s.parse().unwrap())
    }

    #[test]
    fn every_internal_form_has_a_kind() {
        for ip in [
            "127.0.0.1",
            "127.255.255.254",
            "10.1.2.3",
            "172.31.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "192.0.2.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::10.0.0.1",
            "::ffff:0:127.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:db8::1",
            "3fff::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "fd00::1",
            "fc00::1",
            "ff02::1",
            "100::1",
            "4000::1",
        ] {
            assert!(kind(ip).is_some(), "{ip} passed");
        }
    }

    #[test]
    fn public_addresses_pass_whatever_form_carries_them() {
        for ip in [
            "93.184.215.14",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
        ] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }

    #[test]
    fn an_embedded_address_is_named_with_its_form() {
        assert_eq!(
            kind("2002:7f00:1::").unwrap(),
            "loopback (127.0.0.1, carried in 6to4 form)"
        );
        assert_eq!(
            kind("64:ff9b::7f00:1").unwrap(),
            "loopback (127.0.0.1, carried in NAT64 form)"
        );
        assert_eq!(
            kind("::127.0.0.1").unwrap(),
            "loopback (127.0.0.1, carried in IPv4-compatible form)"
        );
    }

    #[test]
    fn local_names_are_known_without_dns() {
        for name in [
            "localhost",
            "localhost.",
            "LOCALHOST",
            "api.localhost",
            "a.b.localhost.",
        ] {
            assert!(is_local_name(name), "{name}");
        }
        for name in ["localhost.example.com", "notlocalhost", "example.com"] {
            assert!(!is_local_name(name), "{name}");
        }
    }
}
