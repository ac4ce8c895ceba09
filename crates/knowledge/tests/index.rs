//! Retrieval: ranking for realistic questions, SKUs, and `select`'s bounds on a large catalogue.

use waflow_knowledge::{import_catalogue, import_document, Index, Item, ItemKind};

fn fixtures() -> Vec<Item> {
    let mut items = Vec::new();
    for file in [
        "shopify_products.csv",
        "woocommerce_products.csv",
        "generic.csv",
        "products.json",
        "shopify_products.json",
    ] {
        let bytes = std::fs::read(format!("tests/fixtures/{file}")).unwrap();
        items.extend(import_catalogue(&bytes, file).unwrap());
    }
    for file in ["faq.md", "guide.txt"] {
        let bytes = std::fs::read(format!("tests/fixtures/{file}")).unwrap();
        items.extend(import_document(&bytes, file).unwrap());
    }
    items
}

fn first<'a>(index: &'a Index, query: &str) -> &'a Item {
    index
        .select(query, 8, 4000)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("nothing for {query:?}"))
}

/// 10,000 products in the shape of the fixtures: many magliette, many shoes, many colours.
fn large_catalogue() -> Vec<Item> {
    let kinds = [
        "Maglietta",
        "Scarpe da running",
        "Felpa",
        "Giacca",
        "Borsa",
        "Pantaloni",
        "Camicia",
        "Zaino",
    ];
    let colours = [
        "blu", "rossa", "nera", "bianca", "verde", "gialla", "grigia",
    ];
    let mut csv = String::from("name,description,price,sku,Size\n");
    for i in 0..10_000 {
        let kind = kinds[i % kinds.len()];
        let colour = colours[(i / kinds.len()) % colours.len()];
        csv.push_str(&format!(
            "{kind} modello {i} {colour},\"{kind} {colour} in cotone, consigliamo la taglia abituale. Spedizione in 24 ore.\",{}.90,P-{i:05},\"S, M, L\"\n",
            10 + i % 90
        ));
    }
    let mut items = import_catalogue(csv.as_bytes(), "big.csv").unwrap();
    items.extend(fixtures());
    items
}

#[test]
fn realistic_questions_find_the_right_item_first() {
    let index = Index::build(fixtures());
    assert_eq!(
        first(&index, "quanto costa la maglietta blu taglia M?").title,
        "Maglietta Basic Blu"
    );
    assert_eq!(
        first(&index, "avete scarpe da running?").title,
        "Scarpe da running Trail, impermeabili"
    );
    assert_eq!(first(&index, "TS-01").title, "Maglietta Basic Blu");
    assert_eq!(first(&index, "ts-01-xl").title, "Maglietta Basic Blu");
    assert_eq!(first(&index, "FELPA-H-NE-M").title, "Felpa con cappuccio");
    assert_eq!(
        first(&index, "quanto costa la spedizione?").kind,
        ItemKind::Faq
    );
    assert_eq!(
        first(&index, "posso fare il reso?").title,
        "Posso restituire un prodotto?"
    );
    assert_eq!(
        first(
            &index,
            "Do you have a waterproof jacket? giacca impermeabile"
        )
        .source,
        "giacca-bora"
    );
    assert_eq!(
        first(&index, "chaussures de running").source,
        "scarpe-running-trail"
    );
    assert_eq!(first(&index, "una candela alla lavanda").source, "CND-LAV");
    assert!(index.select("", 8, 4000).is_empty());
    assert!(index.select("?!", 8, 4000).is_empty());
    assert!(index.search("xyzzy", 5).is_empty());
}

#[test]
fn select_keeps_prompts_small_with_ten_thousand_products() {
    let index = Index::build(large_catalogue());
    assert_eq!(index.len(), 10_000 + fixtures().len());
    for query in [
        "quanto costa la maglietta blu taglia M?",
        "avete scarpe da running?",
        "TS-01",
        "spedizione",
        "cotone taglia M L S",
    ] {
        let selected = index.select(query, 8, 4000);
        let chars: usize = selected
            .iter()
            .map(|i| i.title.chars().count() + i.text.chars().count())
            .sum();
        assert!(
            !selected.is_empty() && selected.len() <= 8 && chars <= 4000,
            "{query}: {} items, {chars} chars",
            selected.len()
        );
    }
    // ~180 blue t-shirts in size M are equally right here: the first must be one of them.
    let shirt = first(&index, "quanto costa la maglietta blu taglia M?");
    assert!(
        shirt.title.starts_with("Maglietta") && shirt.title.to_lowercase().ends_with("blu"),
        "{shirt:?}"
    );
    assert!(
        shirt.text.contains("M, L") || shirt.text.contains("M, XL"),
        "{shirt:?}"
    );
    assert!(first(&index, "avete scarpe da running?")
        .title
        .starts_with("Scarpe da running"));
    assert_eq!(first(&index, "TS-01").title, "Maglietta Basic Blu");
    assert_eq!(
        first(&index, "avete ancora il codice P-04242?").source,
        "P-04242"
    );
    assert_eq!(
        first(&index, "una giacca impermeabile?").source,
        "giacca-bora"
    );
    assert!(index.select("maglietta", 3, 100_000).len() == 3);
    assert!(
        index.select("maglietta", 8, 10).is_empty(),
        "no item fits in 10 chars"
    );
}

#[test]
fn search_is_ordered_and_limited() {
    let index = Index::build(fixtures());
    let results = index.search("maglietta cotone", 3);
    assert!(!results.is_empty() && results.len() <= 3);
    assert!(results.windows(2).all(|w| w[0].1 >= w[1].1));
    assert!(results.iter().all(|(_, score)| *score > 0.0));
    let empty = Index::build(Vec::new());
    assert!(empty.is_empty() && empty.search("x", 3).is_empty());
    fn shared<T: Send + Sync>(_: &T) {}
    shared(&index);
}
