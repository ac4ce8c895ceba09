// A canvas edge with its label and a "+" that inserts a step on it (between its two steps).

import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type Edge, type EdgeProps } from "@xyflow/react";
import { t } from "../app/words/builder";

export type PlusEdgeData = {
  /** The document field of the source step that holds this edge ("next", "routes.a", ...). */
  field: string;
  text: string;
  colour: string;
  onInsert: (source: string, field: string, target: string) => void;
};
export type PlusEdgeType = Edge<PlusEdgeData, "plus">;

export function PlusEdge({ id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, style, markerEnd, data }: EdgeProps<PlusEdgeType>) {
  const [path, labelX, labelY] = getSmoothStepPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  return (
    <>
      <BaseEdge id={id} path={path} style={style} markerEnd={markerEnd} />
      {data && (
        <EdgeLabelRenderer>
          <div className="edge-label nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`, color: data.colour }}>
            {data.text && <span className="edge-text">{data.text}</span>}
            <button
              type="button"
              className="edge-plus"
              aria-label={data.field === "start" ? t("edge.insertFirst", { to: target }) : t("edge.insert", { from: source, to: target })}
              title={t("edge.insertTitle")}
              onClick={(e) => {
                e.stopPropagation();
                data.onInsert(source, data.field, target);
              }}
            >
              +
            </button>
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}
