//! IP and MAC addresses, parsed into one canonical text form so that
//! filters and uniqueness compare like with like.

use std::net::IpAddr;

/// `10.0.0.5` / `fe80::1` → the canonical form (IPv6 compressed, lower case).
pub fn parse_ip(s: &str) -> Result<String, String> {
    s.trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| format!("`{s}` is not an IPv4 or IPv6 address"))
}

/// `00:1A:2b:3c:4d:5e`, `00-1a-2b-3c-4d-5e`, `001a.2b3c.4d5e` or
/// `001a2b3c4d5e` → `00:1a:2b:3c:4d:5e`.
pub fn parse_mac(s: &str) -> Result<String, String> {
    let t = s.trim();
    let hex: String = t.chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect();
    let separators_ok = match t.len() {
        12 => hex.len() == 12,
        14 => t.split('.').all(|g| g.len() == 4),
        17 => {
            let sep = t.as_bytes()[2];
            (sep == b':' || sep == b'-') && t.split(sep as char).all(|g| g.len() == 2)
        }
        _ => false,
    };
    if !separators_ok || hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("`{s}` is not a MAC address (e.g. 00:1a:2b:3c:4d:5e)"));
    }
    let lower = hex.to_ascii_lowercase();
    Ok(lower
        .as_bytes()
        .chunks(2)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ips() {
        assert_eq!(parse_ip(" 10.1.2.3 ").unwrap(), "10.1.2.3");
        assert_eq!(parse_ip("FE80:0:0::1").unwrap(), "fe80::1");
        assert!(parse_ip("10.1.2.256").is_err());
        assert!(parse_ip("host").is_err());
    }

    #[test]
    fn macs() {
        for ok in [
            "00:1A:2b:3c:4d:5e",
            "00-1a-2b-3c-4d-5e",
            "001a.2b3c.4d5e",
            "001a2b3c4d5e",
        ] {
            assert_eq!(parse_mac(ok).unwrap(), "00:1a:2b:3c:4d:5e", "{ok}");
        }
        for bad in [
            "00:1a:2b:3c:4d",
            "00:1a:2b:3c:4d:5g",
            "00:1a-2b:3c:4d:5e",
            "0:1a:2b:3c:4d:5e:1",
            "",
        ] {
            assert!(parse_mac(bad).is_err(), "{bad}");
        }
    }
}
