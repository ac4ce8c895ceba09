//! Catalogue import from real export shapes: Shopify and WooCommerce CSV, a generic `;` CSV,
//! JSON arrays and Shopify's products.json.

use waflow_knowledge::{import_catalogue, Item, ItemKind};

fn import(file: &str) -> Vec<Item> {
    let bytes = std::fs::read(format!("tests/fixtures/{file}")).unwrap();
    import_catalogue(&bytes, file).unwrap()
}

fn error(bytes: &str, file: &str) -> String {
    import_catalogue(bytes.as_bytes(), file)
        .unwrap_err()
        .to_string()
}

#[test]
fn shopify_rows_merge_into_one_product_per_handle() {
    let items = import("shopify_products.csv");
    assert_eq!(items.len(), 3, "{items:#?}");
    let shirt = &items[0];
    assert_eq!(shirt.kind, ItemKind::Product);
    assert_eq!(shirt.title, "Maglietta Basic Blu");
    assert_eq!(shirt.source, "maglietta-basic-blu");
    assert!(
        shirt.text.starts_with("Price: 19.90–24.90."),
        "{}",
        shirt.text
    );
    assert!(shirt.text.contains("Taglia: S, M, L, XL; Colore: Blu"));
    assert!(shirt
        .text
        .contains("SKU: TS-01-S, TS-01-M, TS-01-L, TS-01-XL"));
    assert!(shirt.text.contains("Brand: Nordvento"));
    assert!(shirt.text.contains("Tags: cotone, estate, basic"));
    // HTML stripped, entities decoded, the quoted comma and newline kept as text.
    assert!(shirt.text.contains(
        "T-shirt in cotone biologico, morbida e traspirante. Vestibilità regolare Lavabile a 30°"
    ));
    assert!(!shirt.text.contains('<'));

    let shoes = &items[1];
    assert_eq!(shoes.title, "Scarpe da running Trail, impermeabili");
    assert!(
        shoes.text.contains("Price: 89.00 (was 109.00)"),
        "{}",
        shoes.text
    );
    assert!(shoes.text.contains("Taglia: 40, 41, 42"));
    assert!(shoes.text.contains("\"drop\" 6 mm"));

    let mug = &items[2];
    assert!(
        mug.text.contains("Status: draft (not for sale)"),
        "{}",
        mug.text
    );
    assert!(!mug.text.contains("Default Title"));
    assert!(mug.text.len() <= 500 * 4 && mug.text.chars().count() <= 500);
}

#[test]
fn woocommerce_variations_merge_into_their_parent() {
    let items = import("woocommerce_products.csv");
    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Felpa con cappuccio",
            "Borraccia termica 500 ml",
            "Zaino da escursione 20 L"
        ]
    );
    let hoodie = &items[0];
    assert_eq!(hoodie.source, "FELPA-H");
    // Parent found by "id:101" and, for the last variation, by the parent SKU.
    // The sale price (29 instead of 39) is the lowest; no "was" as 39 is inside the range.
    assert!(
        hoodie.text.starts_with("Price: 29.00–42.00. "),
        "{}",
        hoodie.text
    );
    assert!(hoodie
        .text
        .contains("Colore: Grigio, Nero; Taglia: S, M, L, XL"));
    assert!(hoodie
        .text
        .contains("FELPA-H-GR-S, FELPA-H-NE-M, FELPA-H-NE-XL"));
    assert!(hoodie
        .text
        .contains("Felpa unisex in cotone felpato. Calda e morbida. Cappuccio regolabile"));
    assert!(
        !hoodie.text.contains("Out of stock"),
        "one variation out of stock is not all"
    );

    let bottle = &items[1];
    assert!(bottle.text.starts_with("Price: 18.50."), "{}", bottle.text);
    assert!(bottle
        .text
        .contains("Acciaio inox, mantiene le bevande fredde per 24 ore. Senza BPA."));
    assert!(!bottle.text.contains("\\n"));
    assert!(items[2].text.contains("Status: draft"));
}

#[test]
fn generic_semicolon_csv_with_italian_headers() {
    let items = import("generic.csv");
    assert_eq!(items.len(), 3, "the blank row is skipped: {items:#?}");
    assert_eq!(items[0].title, "Candela profumata alla lavanda");
    assert_eq!(items[0].source, "CND-LAV");
    assert!(items[0].text.contains("Price: 12.90"));
    assert!(items[0].text.contains("Cera di soia; durata 40 ore"));
    assert!(items[0]
        .text
        .contains("Colore: lilla. Materiale: cera di soia"));
    assert!(items[1].text.contains("Price: 24.00"));
    assert!(items[2].text.contains("Price: 1049.00"));
    assert!(items[2]
        .text
        .contains("Paralume in tessuto Lampadina E27 inclusa"));
}

#[test]
fn json_array_and_shopify_products_json() {
    let items = import("products.json");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].title, "Occhiali da sole Riviera");
    assert!(items[0].text.contains("Price: 79.90"));
    assert!(items[0]
        .text
        .contains("Lenti polarizzate, montatura in acetato."));
    assert!(items[0].text.contains("lens: polarizzate"));
    assert!(!items[0].text.contains("991"), "ids are not knowledge");
    assert!(items[1].text.contains("Price: 35.00"));
    assert!(items[1]
        .text
        .contains("Link: https://shop.example.com/cintura"));

    let items = import("shopify_products.json");
    assert_eq!(items.len(), 2);
    let jacket = &items[0];
    assert_eq!(jacket.source, "giacca-bora");
    assert!(
        jacket.text.contains("Price: 129.00–139.00 (was 149.00)"),
        "{}",
        jacket.text
    );
    assert!(jacket.text.contains("Taglia: S, M, L; Colore: Verde, Nero"));
    assert!(jacket.text.contains("SKU: GB-S-VE, GB-M-VE, GB-L-NE"));
    assert!(jacket.text.contains("Giacca antivento e impermeabile"));
    assert!(!jacket.text.contains("published_at"));
    assert!(!items[1].text.contains("Default Title"));
}

#[test]
fn format_is_sniffed_without_a_known_extension() {
    let items = import_catalogue(br#"  [{"name": "Tazza", "price": "9"}]"#, "export").unwrap();
    assert_eq!(items[0].title, "Tazza");
    let items = import_catalogue(b"\xEF\xBB\xBFname,price\nTazza,9\n", "export").unwrap();
    assert!(items[0].text.contains("Price: 9.00"));
}

#[test]
fn errors_name_file_row_column_and_value() {
    let shopify = "Handle,Title,Body (HTML),Variant SKU,Variant Price\n\
                   a,A,,A1,10\nb,B,,B1,10\n";
    let mut rows = String::from(shopify);
    for n in 4..12 {
        rows.push_str(&format!("h{n},T{n},,S{n},1.00\n"));
    }
    rows.push_str("bad,Bad,,X,abc\n");
    assert_eq!(
        error(&rows, "products.csv"),
        r#"products.csv row 12: "Variant Price" is not a price: "abc""#
    );
    assert_eq!(
        error("name;prezzo\nTazza;12\nPiatto;dodici\n", "generic.csv"),
        r#"generic.csv row 3: "prezzo" is not a price: "dodici""#
    );
    assert_eq!(
        error("sku,price\nA,1\n", "list.csv"),
        "list.csv: no product name column (expected one of: name, title, product)"
    );
    assert_eq!(
        error(r#"{"items": []}"#, "catalogue.json"),
        r#"catalogue.json: expected an array of products or {"products": [...]}"#
    );
    assert_eq!(
        error(r#"[{"name": "A", "price": "x"}]"#, "catalogue.json"),
        r#"catalogue.json product 1: "price" is not a price: "x""#
    );
    assert!(error("[{", "catalogue.json").starts_with("catalogue.json: invalid JSON at line 1"));
    assert_eq!(
        import_catalogue(b"name\n\xffx\n", "p.csv")
            .unwrap_err()
            .to_string(),
        "p.csv is not UTF-8 text (invalid byte at offset 5)"
    );
    assert_eq!(
        import_catalogue(b"PK\x03\x04\xff", "catalogue.xlsx")
            .unwrap_err()
            .to_string(),
        "catalogue.xlsx: unsupported file type (use .csv, .json, .md, .txt or .pdf)"
    );
    assert_eq!(error("", "empty.csv"), "empty.csv is empty");
}

#[test]
fn product_text_stays_compact() {
    let long = "Descrizione molto lunga. ".repeat(100);
    let csv = format!("name,description,price\nTazza,\"{long}\",5\n");
    let items = import_catalogue(csv.as_bytes(), "p.csv").unwrap();
    assert!(items[0].text.chars().count() <= 500);
    assert!(items[0]
        .text
        .starts_with("Price: 5.00. Descrizione molto lunga."));
    assert!(items[0].text.ends_with('…'));
}
