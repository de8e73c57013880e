"use client";

import { createContext, useCallback, useContext, useMemo, useRef, useState } from "react";

export type ModelPicker = { models: string[]; selected: string; select: (model: string) => void };

export const ModelPickerContext = createContext<ModelPicker>({ models: [], selected: "", select: () => {} });

/** The models offered and the one picked for the open thread (see ModelSelect). */
export const useModelPicker = () => useContext(ModelPickerContext);

/**
 * The picker's state, and `pickedModel` for the chat model: what to send with a message (nothing
 * when only one model is offered).
 */
export function useModelPickerState(models: string[]) {
  const [selected, setSelected] = useState(models[0] ?? "");
  // The chat model reads the pick at send time, so it is kept in a ref as well as in state.
  const selectedRef = useRef(selected);
  const picker = useMemo<ModelPicker>(
    () => ({
      models,
      selected,
      select: (model) => {
        selectedRef.current = model;
        setSelected(model);
      },
    }),
    [models, selected],
  );
  const pickedModel = useCallback(() => (models.length > 1 ? selectedRef.current : undefined), [models]);
  return { picker, pickedModel };
}
