// The workflows list: search, active switches, bulk actions, priority order (drag or buttons),
// import/export and the template gallery.

import { useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { api, errorText } from "../api/client";
import type { Workflow, WorkflowCounters } from "../api/types";
import { describeTrigger } from "../builder/describe";
import { Link, navigate } from "../app/router";
import { plural, t } from "../app/words/workflows";
import { formatCount } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { Empty, ErrorBanner, Loading, Notice, PageHeader, Switch } from "../ui/widgets";
import { TemplateGallery } from "./TemplateGallery";
import { createWorkflow, exportWorkflow, importWorkflow, listWorkflows, starterDocument } from "./workflowsApi";

type Bulk = "activate" | "deactivate" | "delete";

export function WorkflowsPage() {
  const list = useLoad(listWorkflows, []);
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [gallery, setGallery] = useState(false);
  const [counters, setCounters] = useState<Record<string, WorkflowCounters>>({});
  const fileInput = useRef<HTMLInputElement>(null);
  const dragId = useRef<string | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);

  const workflows = useMemo(() => list.data ?? [], [list.data]);
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return q ? workflows.filter((w) => w.name.toLowerCase().includes(q) || w.trigger_type.includes(q)) : workflows;
  }, [workflows, search]);

  // Counters are one request per workflow: fetched for the first 50 only, after the list shows.
  useEffect(() => {
    let cancelled = false;
    for (const wf of workflows.slice(0, 50)) {
      api
        .get<WorkflowCounters>(`/workflows/${encodeURIComponent(wf.id)}/counters`)
        .then((c) => !cancelled && setCounters((all) => ({ ...all, [wf.id]: c })))
        .catch(() => undefined);
    }
    return () => {
      cancelled = true;
    };
  }, [workflows]);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      await what();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const toggle = (wf: Workflow, active: boolean) =>
    run(async () => {
      const updated = await api.post<Workflow>(`/workflows/${encodeURIComponent(wf.id)}/${active ? "activate" : "deactivate"}`);
      list.set(workflows.map((w) => (w.id === wf.id ? updated : w)));
    });

  const bulk = (action: Bulk) =>
    run(async () => {
      const ids = [...selected];
      if (action === "delete" && !window.confirm(t(`workflows.confirmDelete.${plural(ids.length)}`, { n: formatCount(ids.length) }))) return;
      const answer = await api.post<{ changed: number }>("/workflows/bulk", { action, ids });
      setSelected(new Set());
      const done = action === "delete" ? "deleted" : action === "activate" ? "activated" : "deactivated";
      setMessage(t(`workflows.${done}.${plural(answer.changed)}`, { n: formatCount(answer.changed) }));
      list.reload();
    });

  /** Gives the workflows in `order` priorities 10, 20, 30… and saves the ones that changed. */
  const saveOrder = (order: Workflow[]) =>
    run(async () => {
      const wanted = order.map((w, i) => ({ wf: w, priority: (i + 1) * 10 }));
      list.set(wanted.map(({ wf, priority }) => ({ ...wf, priority })));
      for (const { wf, priority } of wanted) {
        if (wf.priority !== priority) {
          await api.put(`/workflows/${encodeURIComponent(wf.id)}/priority`, { priority });
        }
      }
      setMessage(t("workflows.orderSaved"));
      list.reload();
    });

  const move = (wf: Workflow, delta: number) => {
    const order = [...workflows];
    const from = order.findIndex((w) => w.id === wf.id);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= order.length) return;
    order.splice(from, 1);
    order.splice(to, 0, wf);
    void saveOrder(order).then(() => {
      document.getElementById(`move-${delta < 0 ? "up" : "down"}-${wf.id}`)?.focus();
    });
  };

  const onDrop = (e: DragEvent, target: Workflow) => {
    e.preventDefault();
    setDropTarget(null);
    const id = dragId.current;
    dragId.current = null;
    if (!id || id === target.id) return;
    const order = workflows.filter((w) => w.id !== id);
    const moved = workflows.find((w) => w.id === id);
    if (!moved) return;
    order.splice(order.findIndex((w) => w.id === target.id) + (workflows.indexOf(moved) < workflows.indexOf(target) ? 1 : 0), 0, moved);
    void saveOrder(order);
  };

  const create = () =>
    run(async () => {
      const wf = await createWorkflow(starterDocument(t("workflows.new"), t("workflows.starterText")));
      navigate(`/workflows/${wf.id}`);
    });

  const onImport = (file: File | undefined) => {
    if (!file) return;
    void run(async () => {
      const wf = await importWorkflow(file.name, await file.text());
      setMessage(t("workflows.imported", { name: wf.name }));
      list.reload();
    }).finally(() => {
      if (fileInput.current) fileInput.current.value = "";
    });
  };

  const allShownSelected = shown.length > 0 && shown.every((w) => selected.has(w.id));
  const canReorder = search.trim() === "";

  return (
    <>
      <PageHeader title={t("page.workflows")}>
        <button type="button" className="button-primary" onClick={create} disabled={busy}>
          {t("workflows.new")}
        </button>
        <button type="button" className="button" onClick={() => setGallery(true)}>
          {t("workflows.fromTemplate")}
        </button>
        <button type="button" className="button" onClick={() => fileInput.current?.click()}>
          {t("workflows.import")}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,.yaml,.yml,application/json,application/yaml"
          className="visually-hidden"
          aria-label={t("workflows.importFile")}
          onChange={(e) => onImport(e.target.files?.[0])}
        />
      </PageHeader>
      <ErrorBanner error={error ?? list.error} onDismiss={error ? () => setError(null) : undefined} />
      {message && <Notice>{message}</Notice>}
      <div className="toolbar">
        <label className="field field-inline grow">
          <span>{t("workflows.search")}</span>
          <input type="search" value={search} placeholder={t("workflows.searchHint")} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <div className="bulk" role="group" aria-label={t("workflows.bulk")}>
          <span className="muted">{t("workflows.selected", { n: formatCount(selected.size) })}</span>
          <button type="button" className="button" disabled={!selected.size || busy} onClick={() => bulk("activate")}>
            {t("workflows.activate")}
          </button>
          <button type="button" className="button" disabled={!selected.size || busy} onClick={() => bulk("deactivate")}>
            {t("workflows.deactivate")}
          </button>
          <button type="button" className="button-danger" disabled={!selected.size || busy} onClick={() => bulk("delete")}>
            {t("workflows.delete")}
          </button>
        </div>
      </div>
      {list.loading && !list.data ? (
        <Loading height={240} />
      ) : shown.length === 0 ? (
        <Empty>{search ? t("workflows.noMatch") : t("workflows.empty")}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table workflows-table" aria-label={t("workflows.table")}>
            <thead>
              <tr>
                <th scope="col" className="col-check">
                  <input
                    type="checkbox"
                    aria-label={t("workflows.selectAll")}
                    checked={allShownSelected}
                    onChange={(e) => setSelected(e.target.checked ? new Set(shown.map((w) => w.id)) : new Set())}
                  />
                </th>
                <th scope="col">{t("workflows.col.name")}</th>
                <th scope="col" className="hide-narrow">{t("workflows.col.trigger")}</th>
                <th scope="col">{t("workflows.col.active")}</th>
                <th scope="col">{t("workflows.col.priority")}</th>
                <th scope="col" className="hide-narrow">{t("workflows.col.runs")}</th>
                <th scope="col"><span className="visually-hidden">{t("workflows.col.actions")}</span></th>
              </tr>
            </thead>
            <tbody>
              {shown.map((wf, i) => {
                const c = counters[wf.id]?.workflow;
                return (
                  <tr
                    key={wf.id}
                    data-testid="workflow-row"
                    className={dropTarget === wf.id ? "drop-target" : undefined}
                    draggable={canReorder}
                    onDragStart={(e) => {
                      dragId.current = wf.id;
                      e.dataTransfer.effectAllowed = "move";
                      e.dataTransfer.setData("text/plain", wf.id);
                    }}
                    onDragOver={(e) => {
                      if (!dragId.current) return;
                      e.preventDefault();
                      setDropTarget(wf.id);
                    }}
                    onDragLeave={() => setDropTarget((t) => (t === wf.id ? null : t))}
                    onDrop={(e) => onDrop(e, wf)}
                  >
                    <td className="col-check">
                      <input
                        type="checkbox"
                        aria-label={t("workflows.select", { name: wf.name })}
                        checked={selected.has(wf.id)}
                        onChange={(e) => {
                          const next = new Set(selected);
                          if (e.target.checked) next.add(wf.id);
                          else next.delete(wf.id);
                          setSelected(next);
                        }}
                      />
                    </td>
                    <td>
                      {canReorder && <span className="drag-handle" aria-hidden="true" title={t("workflows.drag")}>⠿</span>}
                      <Link to={`/workflows/${wf.id}`} className="strong">
                        {wf.name}
                      </Link>
                      <div className="muted small show-narrow">{describeTrigger(wf.document?.trigger, wf.trigger_type)}</div>
                    </td>
                    <td className="hide-narrow">{describeTrigger(wf.document?.trigger, wf.trigger_type)}</td>
                    <td>
                      <Switch checked={wf.active} label={t("workflows.isActive", { name: wf.name })} hideLabel disabled={busy} onChange={(v) => toggle(wf, v)} />
                    </td>
                    <td>
                      <span className="priority">
                        <span className="num">{wf.priority}</span>
                        {canReorder && (
                          <>
                            <button
                              id={`move-up-${wf.id}`}
                              type="button"
                              className="icon-button"
                              aria-label={t("workflows.moveUp", { name: wf.name })}
                              disabled={busy || i === 0}
                              onClick={() => move(wf, -1)}
                            >
                              ↑
                            </button>
                            <button
                              id={`move-down-${wf.id}`}
                              type="button"
                              className="icon-button"
                              aria-label={t("workflows.moveDown", { name: wf.name })}
                              disabled={busy || i === shown.length - 1}
                              onClick={() => move(wf, 1)}
                            >
                              ↓
                            </button>
                          </>
                        )}
                      </span>
                    </td>
                    <td className="hide-narrow small">
                      {c ? (
                        <span title={t("workflows.runsTitle")}>
                          {t("workflows.runs", { entered: formatCount(c.entered), completed: formatCount(c.completed) })}
                          {c.failed ? t("workflows.runsFailed", { failed: formatCount(c.failed) }) : ""}
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      <details className="menu">
                        <summary className="icon-button" aria-label={t("workflows.more", { name: wf.name })}>
                          ⋯
                        </summary>
                        <div className="menu-items">
                          <button type="button" onClick={() => run(() => exportWorkflow(wf, "json"))}>
                            {t("workflows.exportJson")}
                          </button>
                          <button type="button" onClick={() => run(() => exportWorkflow(wf, "yaml"))}>
                            {t("workflows.exportYaml")}
                          </button>
                        </div>
                      </details>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {!canReorder && shown.length > 0 && <p className="hint">{t("workflows.clearToReorder")}</p>}
      {gallery && <TemplateGallery onClose={() => setGallery(false)} />}
    </>
  );
}
