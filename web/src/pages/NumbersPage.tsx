// Numbers (WhatsApp lines): label, channel, status in colour, module switches, delete; adding a
// sandbox or Cloud API number; the pairing QR code for linked-device numbers.

import { useState, type FormEvent } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { Page, WaNumber } from "../api/types";
import { useLoad } from "../ui/useLoad";
import { TextField, SelectField } from "../ui/fields";
import { Empty, ErrorBanner, Loading, Notice, PageHeader, StatusBadge, Switch, When } from "../ui/widgets";
import { PairingQr } from "./PairingQr";

const CHANNELS: Record<string, string> = { sandbox: "Sandbox", cloud_api: "WhatsApp Cloud API", linked_device: "Linked device (QR)" };

export default function NumbersPage() {
  const numbers = useLoad(() => api.get<Page<WaNumber>>("/numbers").then((p) => p.data), []);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);

  const patch = async (n: WaNumber, body: Partial<Pick<WaNumber, "label" | "automation" | "marketing">>) => {
    setError(null);
    try {
      const updated = await api.patch<WaNumber>(`/numbers/${encodeURIComponent(n.id)}`, body);
      numbers.set((numbers.data ?? []).map((x) => (x.id === n.id ? updated : x)));
    } catch (e) {
      setError(errorText(e));
    }
  };

  const remove = async (n: WaNumber) => {
    if (!window.confirm(`Delete the number “${n.label}”? Workflows scoped to it will listen on all numbers.`)) return;
    setError(null);
    try {
      await api.del(`/numbers/${encodeURIComponent(n.id)}`);
      setMessage(`Deleted “${n.label}”.`);
      numbers.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const reconnect = async (n: WaNumber) => {
    setError(null);
    try {
      await api.post(`/numbers/${encodeURIComponent(n.id)}/reconnect`);
      setMessage(`Reconnecting “${n.label}”…`);
      numbers.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <>
      <PageHeader title="Numbers">
        <button type="button" className="button-primary" aria-expanded={adding} onClick={() => setAdding((a) => !a)}>
          Add a number
        </button>
      </PageHeader>
      <ErrorBanner error={error ?? numbers.error} onDismiss={error ? () => setError(null) : undefined} />
      {message && <Notice>{message}</Notice>}
      {adding && (
        <AddNumber
          onAdded={(n) => {
            setAdding(false);
            setMessage(`Added “${n.label}”.`);
            numbers.reload();
          }}
        />
      )}
      {numbers.loading && !numbers.data ? (
        <Loading height={200} />
      ) : (numbers.data ?? []).length === 0 ? (
        <Empty>No numbers yet. Add a sandbox number to try workflows without WhatsApp.</Empty>
      ) : (
        <ul className="cards">
          {(numbers.data ?? []).map((n) => (
            <li key={n.id} className="card number-card" data-testid="number-card">
              <div className="number-head">
                <LabelEditor value={n.label} onSave={(label) => patch(n, { label })} />
                <StatusBadge status={n.status} />
              </div>
              <dl className="kv small">
                <dt>Channel</dt>
                <dd>{CHANNELS[n.channel] ?? n.channel}</dd>
                {n.external_id && (
                  <>
                    <dt>Phone number id</dt>
                    <dd>{n.external_id}</dd>
                  </>
                )}
                <dt>Id</dt>
                <dd><code>{n.id}</code></dd>
                <dt>Added</dt>
                <dd><When at={n.created_at} /></dd>
              </dl>
              <div className="number-modules">
                <Switch checked={n.automation} label="Automation (workflows)" onChange={(v) => patch(n, { automation: v })} />
                <Switch checked={n.marketing} label="Marketing (campaigns)" onChange={(v) => patch(n, { marketing: v })} />
              </div>
              {n.status === "pairing" && <PairingQr numberId={n.id} />}
              <div className="row">
                {n.channel === "linked_device" && n.status !== "connected" && (
                  <button type="button" className="button" onClick={() => reconnect(n)}>
                    Reconnect
                  </button>
                )}
                <button type="button" className="button-danger" onClick={() => remove(n)}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function LabelEditor({ value, onSave }: { value: string; onSave: (v: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(value);
  if (!editing) {
    return (
      <h2 className="number-label">
        {value}{" "}
        <button type="button" className="button-quiet small" aria-label={`Rename ${value}`} onClick={() => { setText(value); setEditing(true); }}>
          Rename
        </button>
      </h2>
    );
  }
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        setEditing(false);
        if (text.trim() && text !== value) onSave(text.trim());
      }}
    >
      <label className="field field-inline">
        <span>Label</span>
        <input value={text} autoFocus onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" className="button small">Save</button>
      <button type="button" className="button-quiet small" onClick={() => setEditing(false)}>Cancel</button>
    </form>
  );
}

function AddNumber({ onAdded }: { onAdded: (n: WaNumber) => void }) {
  const [label, setLabel] = useState("");
  const [channel, setChannel] = useState("sandbox");
  const [cloud, setCloud] = useState({ phone_number_id: "", waba_id: "", access_token: "", app_secret: "", verify_token: "" });
  const [error, setError] = useState<string | null>(null);
  const [field, setField] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setField(null);
    try {
      const body = channel === "cloud_api" ? { label, channel, cloud_api: cloud } : { label, channel };
      onAdded(await api.post<WaNumber>("/numbers", body));
    } catch (err) {
      setError(errorText(err));
      setField(err instanceof ApiError ? err.field : null);
    } finally {
      setBusy(false);
    }
  };
  const errFor = (f: string) => (field === f ? error : null);

  return (
    <form className="section" onSubmit={submit} aria-labelledby="add-number-title">
      <h2 id="add-number-title">Add a number</h2>
      <ErrorBanner error={error} />
      <div className="row">
        <TextField label="Label" value={label} placeholder="Support" error={errFor("label")} onChange={setLabel} />
        <SelectField label="Channel" value={channel} error={errFor("channel")} options={[["sandbox", "Sandbox (for testing)"], ["cloud_api", "WhatsApp Cloud API"]]} onChange={setChannel} />
      </div>
      {channel === "cloud_api" && (
        <div className="row">
          {(Object.keys(cloud) as Array<keyof typeof cloud>).map((k) => (
            <TextField
              key={k}
              label={k.replace(/_/g, " ")}
              type={k.includes("token") || k.includes("secret") ? "password" : "text"}
              value={cloud[k]}
              error={errFor(`cloud_api.${k}`)}
              onChange={(v) => setCloud({ ...cloud, [k]: v })}
            />
          ))}
        </div>
      )}
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? "Adding…" : "Add"}
      </button>
    </form>
  );
}
