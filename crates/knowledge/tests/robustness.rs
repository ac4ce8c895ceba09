//! No importer panics, whatever the bytes: random data, truncated fixtures, and mutated ones.

use waflow_knowledge::{import_catalogue, import_document, pdf_text, Index};

/// SplitMix64, so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

const FILES: &[&str] = &[
    "shopify_products.csv",
    "woocommerce_products.csv",
    "generic.csv",
    "products.json",
    "shopify_products.json",
    "faq.md",
    "guide.txt",
    "conditions.pdf",
];

fn feed(bytes: &[u8], name: &str) {
    for file in [name, "x.csv", "x.json", "x.md", "x.txt", "x.pdf", "x"] {
        let items = import_catalogue(bytes, file).unwrap_or_default();
        let docs = import_document(bytes, file).unwrap_or_default();
        // Whatever came out can be indexed and searched.
        let index = Index::build(items.into_iter().chain(docs).collect());
        let _ = index.select("maglietta blu TS-01 €", 8, 4000);
    }
    let _ = pdf_text(bytes);
}

#[test]
fn truncated_fixtures() {
    for name in FILES {
        let bytes = std::fs::read(format!("tests/fixtures/{name}")).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            feed(&bytes[..cut], name);
        }
    }
}

#[test]
fn mutated_fixtures_and_random_bytes() {
    let mut rng = Rng(42);
    for name in FILES {
        let original = std::fs::read(format!("tests/fixtures/{name}")).unwrap();
        for _ in 0..40 {
            let mut bytes = original.clone();
            for _ in 0..1 + rng.next() % 8 {
                let at = (rng.next() as usize) % bytes.len();
                bytes[at] = match rng.next() % 4 {
                    0 => b'"',
                    1 => b',',
                    2 => b'\n',
                    _ => rng.next() as u8,
                };
            }
            feed(&bytes, name);
        }
    }
    for len in [0, 1, 2, 3, 17, 100, 1000] {
        for _ in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            feed(&bytes, "random.bin");
            let ascii: Vec<u8> = bytes
                .iter()
                .map(|b| {
                    b" ,;\"\n[]{}:abc<>#?QA-1."
                        .get(*b as usize % 23)
                        .copied()
                        .unwrap_or(b'x')
                })
                .collect();
            feed(&ascii, "random.csv");
        }
    }
    feed(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", "x.pdf");
}
