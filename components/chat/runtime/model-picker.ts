"use client";

import { createContext, useCallback, useContext, useMemo, useRef, useState } from "react";

export type ModelPicker = {
  models: string[];
  selected: string;
  /** Shows a model (the one stored for the thread being opened). */
  select: (model: string) => void;
  /** The person picked a model: also remembered as this space's choice for its next new threads. */
  choose: (model: string) => void;
};

export const ModelPickerContext = createContext<ModelPicker>({
  models: [],
  selected: "",
  select: () => {},
  choose: () => {},
});

/** The models offered and the one picked for the open thread (see ModelSelect). */
export const useModelPicker = () => useContext(ModelPickerContext);

/**
 * Each space's last chosen model, for as long as the page lives (as the chosen model always has:
 * a reload starts from the default). A space's runtime is made anew each time the person moves
 * to it, so the choice is kept out here, by space.
 */
const chosenBySpace = new Map<string, string>();
const spaceKey = (workspaceId: string | null) => workspaceId ?? "personal";

/**
 * The picker's state for one space, and `pickedModel` for the chat model: what to send with a
 * message (nothing when only one model is offered). It starts from the space's last choice.
 */
export function useModelPickerState(models: string[], workspaceId: string | null) {
  const [selected, setSelected] = useState(() => {
    const chosen = chosenBySpace.get(spaceKey(workspaceId));
    return chosen && models.includes(chosen) ? chosen : (models[0] ?? "");
  });
  // The chat model reads the pick at send time, so it is kept in a ref as well as in state.
  const selectedRef = useRef(selected);
  const select = useCallback((model: string) => {
    selectedRef.current = model;
    setSelected(model);
  }, []);
  const picker = useMemo<ModelPicker>(
    () => ({
      models,
      selected,
      select,
      choose: (model) => {
        chosenBySpace.set(spaceKey(workspaceId), model);
        select(model);
      },
    }),
    [models, selected, select, workspaceId],
  );
  const pickedModel = useCallback(() => (models.length > 1 ? selectedRef.current : undefined), [models]);
  return { picker, pickedModel };
}
