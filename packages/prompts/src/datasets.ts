import { ClipkitError } from "@clipkit/core";
import type { ClassSpec } from "./build.js";
import { type DatasetPrompts, datasetTable } from "./data.js";

/** Ids of the 35 datasets with published zero-shot prompts (see SOURCES.md). */
export type DatasetId =
  | "cifar10"
  | "cifar100"
  | "food101"
  | "sun397"
  | "cars"
  | "fgvc_aircraft"
  | "dtd"
  | "pets"
  | "caltech101"
  | "flowers"
  | "mnist"
  | "stl10"
  | "eurosat"
  | "gtsrb"
  | "country211"
  | "renderedsst2"
  | "voc2007"
  | "fer2013"
  | "clevr_count_all"
  | "pcam"
  | "resisc45"
  | "kitti_closest_vehicle_distance"
  | "birdsnap"
  | "hateful_memes"
  | "kinetics700"
  | "ucf101"
  | "voc2007_multilabel"
  | "clevr_closest_object_distance"
  | "svhn"
  | "smallnorb_label_azimuth"
  | "smallnorb_label_elevation"
  | "dsprites_label_x_position"
  | "dsprites_label_orientation"
  | "dmlab"
  | "diabetic_retinopathy";

/** Per-dataset class names and templates, keyed by {@link DatasetId}. */
export const datasets = datasetTable as Readonly<Record<DatasetId, DatasetPrompts>>;

/** Dataset ids in source order. */
export function datasetIds(): DatasetId[] {
  return Object.keys(datasets) as DatasetId[];
}

/** True when `id` names a bundled dataset. */
export function hasDataset(id: string): id is DatasetId {
  return Object.hasOwn(datasets, id);
}

/** One dataset's prompts; `NOT_FOUND` for an unknown id. */
export function getDataset(id: string): DatasetPrompts {
  if (!hasDataset(id)) {
    throw new ClipkitError("NOT_FOUND", `no bundled prompts for dataset ${JSON.stringify(id)}`, {
      details: { argument: "dataset", id },
    });
  }
  return datasets[id];
}

/**
 * A dataset's classes as {@link ClassSpec}s for `buildPrompts`. A synonym list (FER2013) becomes
 * one class labelled by its first name with every synonym filling the templates. Throws
 * `PROMPT_INVALID` for datasets whose names come from a data loader (`classnames: null`).
 */
export function datasetClasses(id: string): ClassSpec[] {
  const d = getDataset(id);
  if (!d.classnames) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `dataset ${id} has no published class names (the benchmark reads them from its data loader); pass your own labels`,
      { details: { dataset: id } },
    );
  }
  return d.classnames.map((c) => (typeof c === "string" ? { label: c } : { label: c[0]!, names: c }));
}
