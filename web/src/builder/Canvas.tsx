// The flow canvas (@xyflow/react): a node per step, an edge per branch, minimap, zoom and pan.
// Connecting a handle to a step sets that edge; deleting an edge clears it.

import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  applyNodeChanges, Background, Controls, MarkerType, MiniMap, ReactFlow, useReactFlow,
  type Connection, type Edge, type Node, type NodeChange, type OnSelectionChangeParams,
} from "@xyflow/react";
import { stepEdges, type WorkflowDocument } from "./document";
import { describeCondition, describeStep, describeTrigger, STEP_LABELS } from "./describe";
import { TRIGGER_NODE, type Positions } from "./layout";
import { StepNode, TriggerNode, type StepNodeData, type TriggerNodeData } from "./StepNode";

const nodeTypes = { step: StepNode, trigger: TriggerNode };

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
    ariaLabel: `Trigger: ${describeTrigger(doc.trigger)}`,
  };
  const steps = doc.steps.map((step, i): Node<StepNodeData, "step"> => ({
    id: step.id,
    type: "step",
    position: positions[step.id] ?? { x: 0, y: (i + 1) * 170 },
    data: {
      typeLabel: STEP_LABELS[step.type] ?? step.type,
      stepId: step.id,
      description: describeStep(step, props.agentNames),
      when: step.when && step.when !== "immediately" ? step.when : null,
      edges: stepEdges(doc.steps, i),
      error: errors[step.id] ?? null,
      first: i === 0,
    },
    selected: selected === step.id,
    measured: measured.get(step.id),
    ariaLabel: `Step ${i + 1}: ${STEP_LABELS[step.type] ?? step.type} ${step.id}`,
  }));
  return [trigger, ...steps];
}

function buildEdges(doc: WorkflowDocument): Edge[] {
  const edges: Edge[] = [];
  const first = doc.steps[0];
  if (first) {
    edges.push({ id: "start", source: TRIGGER_NODE, sourceHandle: "start", target: first.id, deletable: false, type: "smoothstep", markerEnd: { type: MarkerType.ArrowClosed } });
  }
  doc.steps.forEach((step, i) => {
    for (const e of stepEdges(doc.steps, i)) {
      if (!e.target) continue;
      const tone = e.field === "then" ? "yes" : ["else", "on_failure", "invalid_next", "otherwise"].includes(e.field) ? "no" : e.field.includes("timeout") ? "wait" : "";
      const colour = EDGE_COLOURS[tone] ?? "#64748b";
      edges.push({
        id: `${step.id}:${e.handle}`,
        source: step.id,
        sourceHandle: e.handle,
        target: e.target,
        type: "smoothstep",
        label: e.implicit ? `${e.label} (in order)` : e.label,
        deletable: !e.implicit,
        style: { stroke: colour, strokeDasharray: e.implicit ? "5 4" : undefined, strokeWidth: 1.5 },
        labelStyle: { fill: colour, fontWeight: 600, fontSize: 11 },
        markerEnd: { type: MarkerType.ArrowClosed, color: colour },
        data: { field: e.field },
      });
    }
  });
  return edges;
}

/** Fits the view again when steps are added or removed, once the new nodes are measured. */
function FitOnCount({ count }: { count: number }) {
  const { fitView } = useReactFlow();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = window.setTimeout(() => void fitView({ padding: 0.2, maxZoom: 1.1, duration: 200 }), 50);
    return () => window.clearTimeout(timer);
  }, [count, fitView]);
  return null;
}

export function Canvas(props: CanvasProps) {
  const { doc, onSelect, onMove, onConnect, onDisconnect, onDeleteSteps } = props;
  const [nodes, setNodes] = useState<Node[]>(() => buildNodes(props, []));
  const edges = useMemo(() => buildEdges(doc), [doc]);

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
    <div className="canvas" aria-label="Flow canvas" role="region">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
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
        fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <MiniMap pannable zoomable ariaLabel="Minimap of the flow" />
        <Controls showInteractive={false} />
        <FitOnCount count={doc.steps.length} />
      </ReactFlow>
    </div>
  );
}
