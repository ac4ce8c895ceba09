// Numbers (WhatsApp lines): each number's card (NumberCard), adding one (AddNumberForm), and a
// way to the Cloud API numbers' message templates. Status changes seen live on a card (linking)
// are kept here so the list stays true without reloading.

import { useState } from "react";
import { api, errorText } from "../api/client";
import type { NumberInfo } from "../api/extra";
import type { Page } from "../api/types";
import { Link } from "../app/router";
import { t } from "../app/words/numbers";
import { useLoad } from "../ui/useLoad";
import { Empty, ErrorBanner, Loading, Notice, PageHeader } from "../ui/widgets";
import { AddNumberForm } from "./AddNumberForm";
import { NumberCard } from "./NumberCard";
import "./numbers.css";

type Live = Record<string, { status: NumberInfo["status"]; status_reason: string | null }>;

export default function NumbersPage() {
  const numbers = useLoad(() => api.get<Page<NumberInfo>>("/numbers").then((p) => p.data), []);
  const [live, setLive] = useState<Live>({});
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [addedId, setAddedId] = useState<string | null>(null);

  const patch = async (n: NumberInfo, body: Partial<Pick<NumberInfo, "label" | "automation" | "marketing">>) => {
    setError(null);
    try {
      const updated = await api.patch<NumberInfo>(`/numbers/${encodeURIComponent(n.id)}`, body);
      numbers.set((numbers.data ?? []).map((x) => (x.id === n.id ? { ...x, ...updated } : x)));
    } catch (e) {
      setError(errorText(e));
    }
  };

  const remove = async (n: NumberInfo) => {
    if (!window.confirm(t("numbers.confirmDelete", { label: n.label }))) return;
    setError(null);
    try {
      await api.del(`/numbers/${encodeURIComponent(n.id)}`);
      setMessage(t("numbers.deleted", { label: n.label }));
      numbers.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const list = (numbers.data ?? []).map((n) => (live[n.id] ? { ...n, ...live[n.id] } : n));
  const hasCloud = list.some((n) => n.channel === "cloud_api");

  return (
    <>
      <PageHeader title={t("page.numbers")}>
        {hasCloud && (
          <Link to="/templates" className="button">
            {t("templates.title")}
          </Link>
        )}
        <button type="button" className="button-primary" aria-expanded={adding} onClick={() => setAdding((a) => !a)}>
          {t("numbers.add")}
        </button>
      </PageHeader>
      <ErrorBanner error={error ?? numbers.error} onDismiss={error ? () => setError(null) : undefined} />
      {message && <Notice>{message}</Notice>}
      {adding && (
        <AddNumberForm
          onAdded={(n) => {
            setAdding(false);
            setAddedId(n.id);
            setMessage(t(n.channel === "linked_device" ? "numbers.addedLinked" : "numbers.added", { label: n.label }));
            numbers.reload();
          }}
        />
      )}
      {numbers.loading && !numbers.data ? (
        <Loading height={200} />
      ) : list.length === 0 ? (
        <Empty>{t("numbers.none")}</Empty>
      ) : (
        <ul className="cards">
          {list.map((n) => (
            <NumberCard
              key={n.id}
              number={n}
              justAdded={n.id === addedId}
              onPatch={(body) => void patch(n, body)}
              onRemove={() => void remove(n)}
              onStatus={(status, reason) =>
                setLive((all) => ({ ...all, [n.id]: { status: status as NumberInfo["status"], status_reason: reason } }))
              }
            />
          ))}
        </ul>
      )}
    </>
  );
}
