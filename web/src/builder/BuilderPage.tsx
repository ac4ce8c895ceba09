// The flow builder for one workflow: loads the draft (or the live document), edits it on a canvas
// and in side panels, saves the draft (automatically, and on demand), publishes, tests, versions.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { Agent, Page, WaNumber, Workflow } from "../api/types";
import { t } from "../app/words/builder";
import { ErrorBanner, Loading } from "../ui/widgets";
import { BuilderBar, OverlapWarning, PublishCheck } from "./BuilderBar";
import { Canvas } from "./Canvas";
import { newStepId, type StepKind } from "./catalog";
import { edgeLabel } from "./describe";
import { addAfter, insertOnEdge, removeStep, renameStep, setEdgeByHandle, stepIndexOf, stepEdges, type Step, type WorkflowDocument } from "./document";
import { EditorPanel, type Tab } from "./EditorPanel";
import { autoLayout, placeNew, TRIGGER_NODE, type Positions } from "./layout";
import { Outline } from "./Outline";
import { loadPositions, nodeErrors, positionsKey, useShortcuts } from "./pageState";
import { InsertDialog, StepLibrary } from "./StepLibrary";
import { useOverlaps } from "./useOverlaps";
import { TestChat } from "./TestChat";

/** Where the insert dialog puts its step: on edge `field` of `source` (TRIGGER_NODE: first). */
type InsertPoint = { source: string; field: string; label: string };
type FieldError = { field: string; message: string };

/** Whether the server keeps `ui` (node positions) in documents; learnt from the first save. */
let serverKeepsUi: boolean | undefined;

const AUTOSAVE_MS = 1200;

export default function BuilderPage({ id }: { id: string }) {
  const base = `/workflows/${encodeURIComponent(id)}`;
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [doc, setDocState] = useState<WorkflowDocument | null>(null);
  const [hasDraft, setHasDraft] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [positions, setPositions] = useState<Positions>({});
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("settings");
  const [fieldError, setFieldError] = useState<FieldError | null>(null);
  const [banner, setBanner] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveState, setSaveState] = useState<"idle" | "saving" | "saved" | "failed">("idle");
  const [publishing, setPublishing] = useState(false);
  const [testing, setTesting] = useState(false);
  const [numbers, setNumbers] = useState<WaNumber[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [versionsKey, setVersionsKey] = useState(0);
  const [saveCount, setSaveCount] = useState(0);
  const [inserting, setInserting] = useState<InsertPoint | null>(null);
  const [checkingPublish, setCheckingPublish] = useState(false);
  const overlaps = useOverlaps(id, saveCount);
  const editCount = useRef(0);
  const docRef = useRef<WorkflowDocument | null>(null);
  docRef.current = doc;

  useEffect(() => {
    let cancelled = false;
    Promise.all([
      api.get<Workflow>(base),
      api.get<{ draft: WorkflowDocument | null }>(`${base}/draft`),
      api.get<Page<WaNumber>>("/numbers").then((p) => p.data).catch(() => []),
      api.get<Page<Agent>>("/agents").then((p) => p.data).catch(() => []),
    ])
      .then(([wf, draft, nums, ags]) => {
        if (cancelled) return;
        const start = draft.draft ?? wf.document;
        setWorkflow(wf);
        setHasDraft(Boolean(draft.draft));
        setDocState(start);
        setPositions(loadPositions(id, start));
        setNumbers(nums);
        setAgents(ags);
      })
      .catch((e: unknown) => !cancelled && setLoadError(errorText(e)));
    return () => {
      cancelled = true;
    };
  }, [base, id]);

  const history = useRef<WorkflowDocument[]>([]);
  const [canUndo, setCanUndo] = useState(false);

  /** Every edit goes through here: keeps the previous document for undo, marks the draft dirty
   * and clears the last save's error. */
  const setDoc = useCallback((update: (d: WorkflowDocument) => WorkflowDocument) => {
    if (docRef.current) {
      history.current = [...history.current.slice(-49), docRef.current];
      setCanUndo(true);
    }
    setDocState((d) => (d ? update(d) : d));
    editCount.current += 1;
    setDirty(true);
    setSaveState("idle");
    setFieldError(null);
  }, []);

  // A notice fades after a while (it sits in the bar: no layout moves).
  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(null), 8000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  const undo = useCallback(() => {
    const previous = history.current.pop();
    setCanUndo(history.current.length > 0);
    if (!previous) return;
    setDocState(previous);
    editCount.current += 1;
    setDirty(true);
    setSaveState("idle");
    setFieldError(null);
  }, []);

  const showError = useCallback((e: unknown) => {
    setBanner(errorText(e));
    if (e instanceof ApiError && e.field && docRef.current) {
      const fe = { field: e.field, message: e.detail };
      setFieldError(fe);
      const i = stepIndexOf(e.field);
      const step = i !== null ? docRef.current.steps[i] : undefined;
      if (step) {
        setSelected(step.id);
        setTab("step");
      } else if (e.field.startsWith("trigger") || e.field.startsWith("conditions")) {
        setSelected(TRIGGER_NODE);
        setTab("trigger");
      } else if (e.field !== "ui") {
        setTab("settings");
      }
    }
  }, []);

  const save = useCallback(async (): Promise<boolean> => {
    const current = docRef.current;
    if (!current) return false;
    const at = editCount.current;
    setSaveState("saving");
    const withUi: WorkflowDocument = serverKeepsUi === false ? current : { ...current, ui: { positions } };
    if (serverKeepsUi === false) delete withUi.ui;
    try {
      try {
        await api.put(`${base}/draft`, withUi);
        if (serverKeepsUi === undefined) serverKeepsUi = true;
      } catch (e) {
        if (!(e instanceof ApiError && e.field === "ui")) throw e;
        serverKeepsUi = false;
        const plain = { ...current };
        delete plain.ui;
        await api.put(`${base}/draft`, plain);
      }
      setHasDraft(true);
      setSaveCount((n) => n + 1);
      if (editCount.current === at) {
        setDirty(false);
        setSaveState("saved");
      }
      setBanner(null);
      setFieldError(null);
      return true;
    } catch (e) {
      setSaveState("failed");
      showError(e);
      return false;
    }
  }, [base, positions, showError]);

  // Autosave: a draft never runs, so saving it often is safe; its answer is the inline validation.
  useEffect(() => {
    if (!dirty || saveState === "saving" || saveState === "failed") return;
    const timer = window.setTimeout(() => void save(), AUTOSAVE_MS);
    return () => window.clearTimeout(timer);
  }, [dirty, doc, save, saveState]);

  useShortcuts(save, undo, dirty);

  const publish = async (confirmed = false) => {
    setNotice(null);
    setBanner(null);
    if (!dirty && !hasDraft) {
      setNotice(t("notice.nothingToPublish", { v: String(workflow?.version ?? "") }));
      return;
    }
    if (overlaps.length && !confirmed) {
      setCheckingPublish(true);
      return;
    }
    setCheckingPublish(false);
    setPublishing(true);
    try {
      if (dirty && !(await save())) return;
      const wf = await api.post<Workflow>(`${base}/publish`);
      setWorkflow(wf);
      setHasDraft(false);
      setVersionsKey((k) => k + 1);
      setSaveCount((n) => n + 1);
      setNotice(t(wf.active ? "notice.publishedLive" : "notice.publishedInactive", { v: String(wf.version) }));
    } catch (e) {
      showError(e);
    } finally {
      setPublishing(false);
    }
  };

  const movePosition = useCallback((stepId: string, p: { x: number; y: number }) => {
    setPositions((all) => {
      const next = { ...all, [stepId]: p };
      localStorage.setItem(positionsKey(id), JSON.stringify(next));
      return next;
    });
  }, [id]);

  const select = useCallback((stepId: string | null) => {
    setSelected(stepId);
    if (stepId === TRIGGER_NODE) setTab("trigger");
    else if (stepId) setTab("step");
  }, []);

  /** Adds a step of `kind`: on the edge the insert dialog was opened for, else after the
   * selected step (on a menu's first option without a route, or on its way on). */
  const addStep = (kind: StepKind) => {
    if (!doc) return;
    const stepId = newStepId(kind.type, new Set(doc.steps.map((s) => s.id)));
    const step = { id: stepId, ...kind.make() } as Step;
    const point = inserting;
    setInserting(null);
    const anchor = point ? (point.source === TRIGGER_NODE ? null : point.source) : selected && selected !== TRIGGER_NODE ? selected : null;
    setDoc((d) => {
      if (point?.source === TRIGGER_NODE) return { ...d, steps: [step, ...d.steps] };
      const steps = point ? insertOnEdge(d.steps, point.source, point.field, step) : addAfter(d.steps, anchor, step);
      return { ...d, steps };
    });
    movePosition(stepId, placeNew(positions, anchor ?? (point ? TRIGGER_NODE : (doc.steps[doc.steps.length - 1]?.id ?? null))));
    setSelected(stepId);
    setTab("step");
    setNotice(t("notice.added", { id: stepId }));
  };

  const askInsert = useCallback((source: string, field: string, label: string) => {
    const d = docRef.current;
    let text = label;
    if (!text && d) {
      const i = d.steps.findIndex((s) => s.id === source);
      const e = i >= 0 ? stepEdges(d.steps, i).find((x) => x.field === field) : undefined;
      text = e ? edgeLabel(e) : "";
    }
    setInserting({ source, field, label: text });
  }, []);

  const rename = (from: string, to: string): string | null => {
    if (!doc) return null;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(to)) return t("rename.invalid");
    if (doc.steps.some((s) => s.id === to)) return t("rename.taken", { id: to });
    setDoc((d) => ({ ...d, steps: renameStep(d.steps, from, to) }));
    setPositions((all) => {
      const next = { ...all, [to]: all[from] ?? { x: 0, y: 0 } };
      delete next[from];
      localStorage.setItem(positionsKey(id), JSON.stringify(next));
      return next;
    });
    if (selected === from) setSelected(to);
    return null;
  };

  const deleteSteps = (ids: string[]) => {
    if (!ids.length) return;
    setDoc((d) => {
      const left = ids.reduce((steps, sid) => removeStep(steps, sid), d.steps);
      return left.length ? { ...d, steps: left } : d;
    });
    if (selected && ids.includes(selected)) setSelected(null);
    setTab("settings");
  };

  const connect = (stepId: string, handle: string, target: string) => setDoc((d) => ({ ...d, steps: setEdgeByHandle(d.steps, stepId, handle, target) }));
  const disconnect = (stepId: string, handle: string) => setDoc((d) => ({ ...d, steps: setEdgeByHandle(d.steps, stepId, handle, null) }));

  const layout = () =>
    setPositions(() => {
      const next = autoLayout(docRef.current?.steps ?? []);
      localStorage.setItem(positionsKey(id), JSON.stringify(next));
      return next;
    });

  const errors = useMemo(() => nodeErrors(fieldError, doc), [fieldError, doc]);
  const errorIds = useMemo(() => new Set(Object.keys(errors)), [errors]);
  const agentNames = useMemo(() => Object.fromEntries(agents.map((a) => [a.id, a.name || a.email])), [agents]);

  if (loadError) return <ErrorBanner error={loadError} />;
  if (!doc || !workflow) return <Loading height={400} label={t("loading")} />;

  const selectedIndex = selected ? doc.steps.findIndex((s) => s.id === selected) : -1;
  const status = t(saveState === "saving" ? "status.saving" : saveState === "failed" ? "status.failed" : dirty ? "status.dirty" : hasDraft ? "status.saved" : "status.clean");
  const insertWhere = inserting
    ? inserting.source === TRIGGER_NODE
      ? t("insert.atStart")
      : inserting.label
        ? t("insert.on", { label: inserting.label, id: inserting.source })
        : t("insert.after", { id: inserting.source })
    : "";

  return (
    <div className="builder">
      <BuilderBar
        name={doc.name}
        workflow={workflow}
        status={status}
        failed={saveState === "failed"}
        notice={notice}
        canUndo={canUndo}
        saving={saveState === "saving"}
        testing={testing}
        publishing={publishing}
        onLayout={layout}
        onUndo={undo}
        onSave={() => void save()}
        onTest={() => setTesting((x) => !x)}
        onPublish={() => void publish()}
      />
      {checkingPublish && <PublishCheck overlaps={overlaps} onPublish={() => void publish(true)} onCancel={() => setCheckingPublish(false)} />}
      <OverlapWarning overlaps={overlaps} />
      <ErrorBanner error={banner} onDismiss={() => setBanner(null)} />
      <div className={`builder-body${testing ? " with-test" : ""}`}>
        <div className="builder-left">
          <Outline doc={doc} selected={selected} errorIds={errorIds} onSelect={select} agentNames={agentNames} />
          <StepLibrary onAdd={addStep} />
        </div>
        <Canvas
          doc={doc}
          positions={positions}
          selected={selected}
          errors={errors}
          onSelect={select}
          onMove={movePosition}
          onConnect={connect}
          onDisconnect={disconnect}
          onDeleteSteps={deleteSteps}
          onInsert={askInsert}
          agentNames={agentNames}
        />
        <EditorPanel
          workflowId={id}
          doc={doc}
          tab={tab}
          onTab={setTab}
          selectedIndex={selectedIndex}
          error={fieldError}
          agents={agents}
          agentNames={agentNames}
          numbers={numbers}
          hasDraft={hasDraft}
          versionsKey={versionsKey}
          setDoc={setDoc}
          onRename={rename}
          onDeleteSteps={deleteSteps}
          onLoadVersion={(d, v) => {
            setDoc(() => d);
            setPositions(loadPositions(id, d));
            setNotice(t("notice.versionLoaded", { v: String(v) }));
          }}
        />
        {testing && <TestChat workflowId={id} doc={doc} onClose={() => setTesting(false)} beforeStart={async () => (dirty ? save() : true)} />}
      </div>
      {inserting && <InsertDialog where={insertWhere} onAdd={addStep} onClose={() => setInserting(null)} />}
    </div>
  );
}
