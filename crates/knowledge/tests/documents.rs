//! Document import: FAQ detection, chunking at headings and paragraphs, PDF text.

use waflow_knowledge::{import_document, pdf_text, Item, ItemKind};

fn import(file: &str) -> Vec<Item> {
    let bytes = std::fs::read(format!("tests/fixtures/{file}")).unwrap();
    import_document(&bytes, file).unwrap()
}

#[test]
fn markdown_faq_pairs_and_question_headings() {
    let items = import("faq.md");
    let faqs: Vec<(&str, &str)> = items
        .iter()
        .filter(|i| i.kind == ItemKind::Faq)
        .map(|i| (i.title.as_str(), i.text.as_str()))
        .collect();
    assert_eq!(
        faqs,
        [
            (
                "Quanto costa la spedizione?",
                "La spedizione in Italia è gratuita sopra i 49 euro; sotto i 49 euro costa 4,90 euro."
            ),
            (
                "Posso restituire un prodotto?",
                "Sì, il reso è gratuito entro 30 giorni dalla consegna.\nBasta scriverci il numero d'ordine."
            ),
            ("Fate fattura?", "Sì, inserisci la partita IVA al checkout."),
            (
                "Quanto tempo ci vuole per la consegna?",
                "In Italia 24/48 ore lavorative; nelle isole 3-4 giorni."
            ),
        ]
    );
    assert!(items.iter().all(|i| i.source == "faq.md"));
    let intro = &items[0];
    assert_eq!(
        (intro.kind, intro.title.as_str()),
        (ItemKind::Document, "Negozio Nordvento")
    );
    // "Garanzia" is longer than a chunk: split at a paragraph boundary, both titled by it.
    let warranty: Vec<&Item> = items.iter().filter(|i| i.title == "Garanzia").collect();
    assert_eq!(warranty.len(), 2);
    assert!(warranty[0].text.ends_with("laboratorio di Bolzano."));
    assert!(warranty[1]
        .text
        .starts_with("Se il prodotto non è riparabile"));
    assert!(items.iter().all(|i| i.text.chars().count() <= 800));
}

#[test]
fn text_without_headings_is_titled_by_the_file_name() {
    let items = import("guide.txt");
    assert_eq!(items.len(), 2, "{items:#?}");
    assert!(items
        .iter()
        .all(|i| i.kind == ItemKind::Document && i.title == "guide"));
    assert!(items[0]
        .text
        .starts_with("Guida alle taglie\nLe nostre magliette"));
    assert!(items[1].text.starts_with("Resi e cambi taglia"));
    assert!(items.iter().all(|i| i.text.chars().count() <= 800));
}

#[test]
fn long_paragraphs_split_at_sentences_on_char_boundaries() {
    let text = "È una frase con accenti àèìòù, abbastanza lunga da contare. ".repeat(60);
    let items = import_document(text.as_bytes(), "note.md").unwrap();
    assert!(items.len() >= 4);
    for item in &items {
        assert!(item.text.chars().count() <= 800);
        assert!(item.text.ends_with('.'), "{:?}", item.text);
    }
}

#[test]
fn pdf_text_finds_the_sentence() {
    let bytes = std::fs::read("tests/fixtures/conditions.pdf").unwrap();
    let text = pdf_text(&bytes).unwrap();
    assert!(
        text.contains("Il reso e gratuito entro 30 giorni dalla consegna."),
        "{text}"
    );
    let items = import_document(&bytes, "conditions.pdf").unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].title, "conditions");
    assert!(items[0].text.contains("Spediamo in tutta Europa"));
}

#[test]
fn errors() {
    assert_eq!(
        import_document(b"Q: ok?\nA: s\xc3", "faq.txt")
            .unwrap_err()
            .to_string(),
        "faq.txt is not UTF-8 text (invalid byte at offset 11)"
    );
    assert_eq!(
        import_document(b"x", "notes.docx").unwrap_err().to_string(),
        "notes.docx: unsupported file type (use .csv, .json, .md, .txt or .pdf)"
    );
    let err = import_document(b"%PDF-1.4 garbage", "scan.pdf")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("scan.pdf: cannot read the PDF ("), "{err}");
}
