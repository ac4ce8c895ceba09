//! URL forms the guard must refuse, for the tests of every outbound path (one table, so that
//! every path is tried with the same forms).

/// URL forms that all mean an address the guard refuses by default, each with what it is. The
/// forms that mean this machine point at `port` on it (a test listens there and counts the
/// connections it accepts); the others need no listener. Every entry is `http` or `https`
/// unless its description starts with `scheme`.
pub fn refused_forms(port: u16) -> Vec<(String, &'static str)> {
    let p = port;
    let mut forms: Vec<(String, &'static str)> = [
        (format!("http://127.0.0.1:{p}/x"), "loopback"),
        (format!("https://127.0.0.1:{p}/x"), "loopback over https"),
        (format!("http://127.1:{p}/x"), "short IPv4"),
        (format!("http://2130706433:{p}/x"), "decimal IPv4"),
        (format!("http://0x7f000001:{p}/x"), "hex IPv4"),
        (format!("http://0x7f.1:{p}/x"), "hex short IPv4"),
        (format!("http://0177.0.0.1:{p}/x"), "octal IPv4"),
        (format!("http://017700000001:{p}/x"), "octal whole IPv4"),
        (format!("http://127.000.000.001:{p}/x"), "zero-padded IPv4"),
        (
            format!("http://127.0.0.1.:{p}/x"),
            "IPv4 with a trailing dot",
        ),
        (format!("http://１２７.０.０.１:{p}/x"), "full-width digits"),
        (format!("http://evil.example@127.0.0.1:{p}/x"), "userinfo"),
        (
            format!("http://user:pass@127.0.0.1:{p}/x"),
            "userinfo with password",
        ),
        (format!("http://localhost:{p}/x"), "localhost"),
        (
            format!("http://localhost.:{p}/x"),
            "localhost with a trailing dot",
        ),
        (format!("http://LocalHost:{p}/x"), "localhost in capitals"),
        (format!("http://api.localhost:{p}/x"), "a *.localhost name"),
        (format!("http://0.0.0.0:{p}/x"), "unspecified IPv4"),
        (format!("http://0:{p}/x"), "0"),
        (format!("http://[::1]:{p}/x"), "IPv6 loopback"),
        (
            format!("http://[0:0:0:0:0:0:0:1]:{p}/x"),
            "IPv6 loopback, long",
        ),
        (format!("http://[::]:{p}/x"), "unspecified IPv6"),
        (format!("http://[::ffff:127.0.0.1]:{p}/x"), "IPv4-mapped"),
        (format!("http://[::ffff:7f00:1]:{p}/x"), "IPv4-mapped, hex"),
        (format!("http://[::127.0.0.1]:{p}/x"), "IPv4-compatible"),
        (
            format!("http://[::ffff:0:127.0.0.1]:{p}/x"),
            "IPv4-translated",
        ),
        (format!("http://[64:ff9b::127.0.0.1]:{p}/x"), "NAT64"),
        (format!("http://[64:ff9b::7f00:1]:{p}/x"), "NAT64, hex"),
        (format!("http://[2002:7f00:1::]:{p}/x"), "6to4 of loopback"),
        (format!("http://[2001:0:7f00:1::1]:{p}/x"), "Teredo"),
        ("http://10.0.0.1/x".into(), "private 10/8"),
        ("http://172.16.0.1/x".into(), "private 172.16/12"),
        ("http://192.168.1.1/x".into(), "private 192.168/16"),
        ("http://100.64.0.1/x".into(), "carrier-grade NAT"),
        (
            "http://169.254.169.254/latest/meta-data/".into(),
            "cloud metadata (link-local)",
        ),
        ("http://0251.0376.0251.0376/".into(), "metadata in octal"),
        ("http://[::ffff:a9fe:a9fe]/".into(), "metadata IPv4-mapped"),
        ("http://[64:ff9b::a9fe:a9fe]/".into(), "metadata in NAT64"),
        ("http://[2002:a9fe:a9fe::1]/".into(), "metadata in 6to4"),
        (
            "http://[2002:a00:1::1]/".into(),
            "6to4 of a private address",
        ),
        ("http://[fe80::1]/".into(), "IPv6 link-local"),
        ("http://[fd00::1]/".into(), "IPv6 unique-local"),
        ("http://[fec0::1]/".into(), "IPv6 site-local"),
        ("http://[ff02::1]/".into(), "IPv6 multicast"),
        ("http://224.0.0.1/".into(), "IPv4 multicast"),
        ("http://255.255.255.255/".into(), "broadcast"),
    ]
    .into_iter()
    .collect();
    forms.push(("file:///etc/passwd".into(), "scheme file"));
    forms.push((format!("gopher://127.0.0.1:{p}/_x"), "scheme gopher"));
    forms
}
