// Rich message content for `send` and `menu` steps: buttons (up to 3), a list (up to 10 rows),
// or media by URL; anything else (templates, reactions) through JSON.

import { t } from "../app/words/builder";
import { str } from "./document";
import { JsonField, SelectField, TextArea, TextField } from "../ui/fields";

type Content = Record<string, unknown>;
type Option = { id: string; title: string; description?: string };

export function ContentEditor({ value, onChange, errorFor, menu }: {
  value: Content;
  onChange: (c: Content) => void;
  /** The error for a field under `content`, e.g. `buttons[1].title`. */
  errorFor: (sub: string) => string | null;
  menu: boolean;
}) {
  const type = str(value.type) || "buttons";
  const set = (key: string, v: unknown) => {
    const next = { ...value };
    if (v === "" || v === undefined) delete next[key];
    else next[key] = v;
    onChange(next);
  };
  const types: Array<[string, string]> = menu
    ? [["buttons", t("content.buttons")], ["list", t("content.list")]]
    : [["buttons", t("content.buttons")], ["list", t("content.list")], ["media", t("content.media")], ["template", t("content.template")]];

  const switchType = (kind: string) => {
    const body = str(value.body) || t("default.chooseOne");
    if (kind === "buttons") onChange({ type: kind, body, buttons: [{ id: "a", title: t("content.newOption", { n: "A" }) }] });
    else if (kind === "list") onChange({ type: kind, body, button_label: "Choose", sections: [{ title: "", rows: [{ id: "a", title: t("content.newOption", { n: "A" }) }] }] });
    else if (kind === "media") onChange({ type: kind, kind: "image", source: { url: "https://example.com/picture.jpg" } });
    else onChange({ type: kind, name: "", language: "en" });
  };

  const options: Option[] =
    type === "buttons"
      ? ((value.buttons as Option[] | undefined) ?? [])
      : (((value.sections as Array<{ rows?: Option[] }> | undefined) ?? [])[0]?.rows ?? []);
  const setOptions = (list: Option[]) => {
    if (type === "buttons") set("buttons", list);
    else {
      const sections = [...((value.sections as Array<Record<string, unknown>> | undefined) ?? [{ title: "" }])];
      sections[0] = { ...(sections[0] ?? {}), rows: list };
      set("sections", sections);
    }
  };
  const max = type === "buttons" ? 3 : 10;
  const optionPath = (i: number) => (type === "buttons" ? `buttons[${i}]` : `sections[0].rows[${i}]`);

  return (
    <div className="content-editor">
      <SelectField label={t("content.kind")} value={type} options={types} error={errorFor("type")} onChange={switchType} />
      {(type === "buttons" || type === "list") && (
        <>
          <TextArea label={t("content.body")} value={str(value.body)} error={errorFor("body")} onChange={(v) => set("body", v)} />
          {type === "list" && <TextField label={t("content.listButton")} value={str(value.button_label)} error={errorFor("button_label")} onChange={(v) => set("button_label", v)} />}
          <fieldset className="options">
            <legend>{type === "buttons" ? t("content.buttonsLegend") : t("content.rowsLegend")}</legend>
            {options.map((o, i) => (
              <div className="option-row" key={i}>
                <TextField label={t("content.title", { n: String(i + 1) })} value={o.title} error={errorFor(`${optionPath(i)}.title`)} onChange={(v) => setOptions(options.map((x, k) => (k === i ? { ...x, title: v } : x)))} />
                <TextField label={t("content.id", { n: String(i + 1) })} value={o.id} error={errorFor(`${optionPath(i)}.id`)} onChange={(v) => setOptions(options.map((x, k) => (k === i ? { ...x, id: v } : x)))} />
                <button type="button" className="icon-button" aria-label={t("content.remove", { n: String(i + 1) })} onClick={() => setOptions(options.filter((_, k) => k !== i))}>
                  ×
                </button>
              </div>
            ))}
            {errorFor(type === "buttons" ? "buttons" : "sections") && <p className="field-error">{errorFor(type === "buttons" ? "buttons" : "sections")}</p>}
            <button
              type="button"
              className="button small"
              disabled={options.length >= max}
              onClick={() => {
                const n = options.length + 1;
                setOptions([...options, { id: `option-${n}`, title: t("content.newOption", { n: String(n) }) }]);
              }}
            >
              {type === "buttons" ? t("content.addButton") : t("content.addRow")}
            </button>
          </fieldset>
          <TextField label={t("content.header")} value={str(value.header)} error={errorFor("header")} onChange={(v) => set("header", v)} />
          <TextField label={t("content.footer")} value={str(value.footer)} error={errorFor("footer")} onChange={(v) => set("footer", v)} />
        </>
      )}
      {type === "media" && (
        <>
          <SelectField
            label={t("content.mediaKind")}
            value={str(value.kind) || "image"}
            options={(["image", "document", "audio", "video", "sticker"] as const).map((k): [string, string] => [k, t(`content.${k}`)])}
            error={errorFor("kind")}
            onChange={(v) => set("kind", v)}
          />
          <TextField
            label={t("content.url")}
            value={str((value.source as Record<string, unknown> | undefined)?.url)}
            error={errorFor("source")}
            onChange={(v) => set("source", { url: v })}
          />
          <TextField label={t("content.caption")} value={str(value.caption)} error={errorFor("caption")} onChange={(v) => set("caption", v)} />
          {value.kind === "document" && <TextField label={t("content.filename")} value={str(value.filename)} onChange={(v) => set("filename", v)} />}
        </>
      )}
      {type !== "buttons" && type !== "list" && type !== "media" && (
        <JsonField label={t("content.json")} value={value} error={errorFor("")} onChange={(v) => v && typeof v === "object" && onChange(v as Content)} rows={8} />
      )}
    </div>
  );
}
