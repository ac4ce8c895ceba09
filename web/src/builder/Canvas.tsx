// The flow canvas (@xyflow/react): a node per step, an edge per branch, minimap, zoom and pan.
// Connecting a handle to a step sets that edge; deleting an edge clears it; the "+" on an edge
// or on a free handle inserts a step there. The zoom never goes below a readable size: a large
// flow is seen a part at a time (the selected step and its neighbours).

import "@xyflow/react/dist/style.css";
import "./builder.css";
import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from "react";
import {
  applyNodeChanges, Background, ControlButton, Controls, MarkerType, MiniMap, ReactFlow, useReactFlow,
  type Connection, type Edge, type Node, type NodeChange, type OnSelectionChangeParams,
} from "@xyflow/react";
import { stepEdges, type WorkflowDocument } from "./document";
import { describeCondition, describeStep, describeTrigger, edgeLabel, stepLabel } from "./describe";
import { TRIGGER_NODE, type Positions } from "./layout";
import { PlusEdge, type PlusEdgeType } from "./PlusEdge";
import { StepNode, TriggerNode, type StepNodeData, type TriggerNodeData } from "./StepNode";
import { t } from "../app/words/builder";

const nodeTypes = { step: StepNode, trigger: TriggerNode };
const edgeTypes = { plus: PlusEdge };

/** Below this zoom the nodes' text is too small to read. */
export const READABLE_ZOOM = 0.6;
const FIT = { padding: 0.2, maxZoom: 1.1, minZoom: READABLE_ZOOM };

export interface CanvasProps {
  doc: WorkflowDocument;
  positions: Positions;
  selected: string | null;
  /** Errors to show on nodes, by step id (or TRIGGER_NODE). */
  errors: Record<string, string>;
  onSelect: (id: string | null) => void;
  onMove: (id: string, position: { x: number; y: number }) => void;
  onConnect: (stepId: string, handle: string, target: string) => void;
  onDisconnect: (stepId: string, handle: string) => void;
  onDeleteSteps: (ids: string[]) => void;
  /** Asks for a step to insert on edge `field` of `source` (TRIGGER_NODE: before the first step). */
  onInsert: (source: string, field: string, label: string) => void;
  /** Agent names by id, for descriptions. */
  agentNames: Record<string, string>;
}

const EDGE_COLOURS: Record<string, string> = { yes: "#0b7a5a", no: "#b42318", wait: "#8a5a00" };

function buildNodes(props: CanvasProps, previous: Node[]): Node[] {
  const { doc, positions, selected, errors } = props;
  const measured = new Map(previous.map((n) => [n.id, n.measured]));
  const trigger: Node<TriggerNodeData, "trigger"> = {
    id: TRIGGER_NODE,
    type: "trigger",
    position: positions[TRIGGER_NODE] ?? { x: 0, y: 0 },
    data: {
      trigger: describeTrigger(doc.trigger),
      conditions: doc.conditions ? describeCondition(doc.conditions) : null,
      error: errors[TRIGGER_NODE] ?? null,
    },
    selected: selected === TRIGGER_NODE,
    deletable: false,
    measured: measured.get(TRIGGER_NODE),
    ariaLabel: t("canvas.triggerNode", { trigger: describeTrigger(doc.trigger) }),
  };
  const steps = doc.steps.map((step, i): Node<StepNodeData, "step"> => ({
    id: step.id,
    type: "step",
    position: positions[step.id] ?? { x: 0, y: (i + 1) * 170 },
    data: {
      typeLabel: stepLabel(step.type),
      stepId: step.id,
      description: describeStep(step, props.agentNames),
      when: step.when && step.when !== "immediately" ? step.when : null,
      edges: stepEdges(doc.steps, i),
      error: errors[step.id] ?? null,
      first: i === 0,
      onInsert: props.onInsert,
    },
    selected: selected === step.id,
    measured: measured.get(step.id),
    ariaLabel: t("canvas.stepNode", { n: String(i + 1), type: stepLabel(step.type), id: step.id }),
  }));
  return [trigger, ...steps];
}

function buildEdges(doc: WorkflowDocument, onInsert: CanvasProps["onInsert"]): Edge[] {
  const edges: Edge[] = [];
  const insert = (source: string, field: string) => onInsert(source, field, "");
  const first = doc.steps[0];
  if (first) {
    const start: PlusEdgeType = {
      id: "start", source: TRIGGER_NODE, sourceHandle: "start", target: first.id, deletable: false, type: "plus",
      markerEnd: { type: MarkerType.ArrowClosed }, data: { field: "start", text: "", colour: "#64748b", onInsert: insert },
    };
    edges.push(start);
  }
  doc.steps.forEach((step, i) => {
    for (const e of stepEdges(doc.steps, i)) {
      if (!e.target) continue;
      const tone = e.field === "then" ? "yes" : ["else", "on_failure", "invalid_next", "otherwise"].includes(e.field) ? "no" : e.field.includes("timeout") ? "wait" : "";
      const colour = EDGE_COLOURS[tone] ?? "#64748b";
      const label = edgeLabel(e);
      const edge: PlusEdgeType = {
        id: `${step.id}:${e.handle}`,
        source: step.id,
        sourceHandle: e.handle,
        target: e.target,
        type: "plus",
        deletable: !e.implicit,
        style: { stroke: colour, strokeDasharray: e.implicit ? "5 4" : undefined, strokeWidth: 1.5 },
        markerEnd: { type: MarkerType.ArrowClosed, color: colour },
        data: { field: e.field, text: e.implicit ? t("edge.inOrder", { label }) : label, colour, onInsert: insert },
      };
      edges.push(edge);
    }
  });
  return edges;
}

/** The selected step and the steps it links with: the part of the flow the view fits. */
function neighbourhood(doc: WorkflowDocument, id: string): string[] {
  const out = new Set([id]);
  doc.steps.forEach((s, i) => {
    for (const e of stepEdges(doc.steps, i)) {
      if (s.id === id && e.target) out.add(e.target);
      if (e.target === id) out.add(s.id);
    }
  });
  if (doc.steps[0]?.id === id) out.add(TRIGGER_NODE);
  return [...out];
}

/** Brings the selected part of the flow into view when it is not: on selection (from the step
 * list, or a new step) and when steps are added or removed. */
function FitSelected({ doc, selected, count, box }: { doc: WorkflowDocument; selected: string | null; count: number; box: RefObject<HTMLDivElement | null> }) {
  const flow = useReactFlow();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = window.setTimeout(() => {
      if (!selected) return;
      const node = flow.getNode(selected);
      const rect = box.current?.getBoundingClientRect();
      if (node && rect) {
        const w = node.measured?.width ?? 220;
        const h = node.measured?.height ?? 90;
        const a = flow.flowToScreenPosition(node.position);
        const b = flow.flowToScreenPosition({ x: node.position.x + w, y: node.position.y + h });
        const inside = a.x >= rect.left && a.y >= rect.top && b.x <= rect.right && b.y <= rect.bottom;
        if (inside) return;
      }
      void flow.fitView({ ...FIT, duration: 200, nodes: neighbourhood(doc, selected).map((id) => ({ id })) });
    }, 60);
    return () => window.clearTimeout(timer);
    // Only the selection and the step count move the view, not every edit.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected, count]);
  return null;
}

export function Canvas(props: CanvasProps) {
  const { doc, onSelect, onMove, onConnect, onDisconnect, onDeleteSteps, onInsert, selected } = props;
  const [nodes, setNodes] = useState<Node[]>(() => buildNodes(props, []));
  const edges = useMemo(() => buildEdges(doc, onInsert), [doc, onInsert]);
  const box = useRef<HTMLDivElement>(null);
  // The first view shows the start of the flow (all of it when it fits at a readable size).
  const [initialFit] = useState(() => ({ ...FIT, nodes: [{ id: TRIGGER_NODE }, ...doc.steps.slice(0, 8).map((s) => ({ id: s.id }))] }));

  useEffect(() => {
    setNodes((prev) => buildNodes(props, prev));
    // (dependencies chosen on purpose: see above)
  }, [props.doc, props.positions, props.selected, props.errors, props.agentNames]);

  const onNodesChange = (changes: NodeChange[]) => {
    setNodes((nds) => applyNodeChanges(changes, nds));
    for (const c of changes) {
      if (c.type === "position" && c.position && !c.dragging) onMove(c.id, c.position);
    }
  };

  // React Flow re-subscribes when this handler changes: it must be stable, or it loops.
  const onSelectionChange = useCallback(
    ({ nodes: picked }: OnSelectionChangeParams) => {
      if (picked.length === 1 && picked[0]) onSelect(picked[0].id);
    },
    [onSelect],
  );

  return (
    <div className="canvas" aria-label={t("canvas.label")} role="region" ref={box}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onSelectionChange={onSelectionChange}
        onNodeClick={(_, node) => onSelect(node.id)}
        onPaneClick={() => onSelect(null)}
        onNodeDragStop={(_, node) => onMove(node.id, node.position)}
        onConnect={(c: Connection) => {
          if (c.source && c.target && c.sourceHandle && c.source !== TRIGGER_NODE && c.target !== TRIGGER_NODE) {
            onConnect(c.source, c.sourceHandle, c.target);
          }
        }}
        onEdgesDelete={(deleted) => deleted.forEach((e) => e.sourceHandle && onDisconnect(e.source, e.sourceHandle))}
        onNodesDelete={(deleted) => onDeleteSteps(deleted.map((n) => n.id).filter((id) => id !== TRIGGER_NODE))}
        deleteKeyCode={["Delete"]}
        fitView
        fitViewOptions={initialFit}
        minZoom={READABLE_ZOOM}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <MiniMap pannable zoomable ariaLabel={t("canvas.minimap")} />
        <Controls showInteractive={false} fitViewOptions={FIT}>
          <FitSelectedButton doc={doc} selected={selected} />
        </Controls>
        <FitSelected doc={doc} selected={selected} count={doc.steps.length} box={box} />
      </ReactFlow>
    </div>
  );
}

function FitSelectedButton({ doc, selected }: { doc: WorkflowDocument; selected: string | null }) {
  const flow = useReactFlow();
  return (
    <ControlButton
      aria-label={t("canvas.fitSelected")}
      title={t("canvas.fitSelected")}
      disabled={!selected}
      onClick={() => selected && void flow.fitView({ ...FIT, duration: 200, nodes: neighbourhood(doc, selected).map((id) => ({ id })) })}
    >
      ◎
    </ControlButton>
  );
}
