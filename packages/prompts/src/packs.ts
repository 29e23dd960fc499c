import { ClipkitError } from "@clipkit/core";

/**
 * A domain-anchored prompt ensemble: templates that tell the text tower what kind of picture to
 * expect ("a satellite image of a {}"), so class names are matched in the right visual domain.
 */
export interface Pack {
  readonly kind: "pack";
  /** Key in {@link packs} and for `getPack`. */
  readonly name: PackName;
  /** Other names `getPack` accepts (e.g. `"aerial"` for `satellite`). */
  readonly aliases: readonly string[];
  readonly title: string;
  /** Templates with a `{}` placeholder for the class name. */
  readonly templates: readonly string[];
  /** When the anchor helps. */
  readonly helps: string;
  /** When NOT to rely on it: the domain is too far from CLIP's web pre-training, fine-tune or use a domain model. */
  readonly notWhen: string;
}

/** Names of the built-in packs. */
export type PackName =
  | "photo"
  | "medical"
  | "xray"
  | "ct"
  | "mri"
  | "ultrasound"
  | "histopathology"
  | "satellite"
  | "sketch"
  | "painting"
  | "cartoon"
  | "emoji"
  | "icon"
  | "infrared"
  | "microscopy"
  | "document"
  | "render3d"
  | "lowQuality";

type PackInit = Omit<Pack, "kind" | "name" | "aliases"> & { aliases?: readonly string[] };

const MEDICAL_NOT_WHEN =
  "for diagnosis or any clinical decision: web-trained CLIP models are not medical models and fail silently on pathology; use a validated domain model (e.g. BiomedCLIP-style) or fine-tune on labelled scans";

const defs: Record<PackName, PackInit> = {
  photo: {
    title: "Photograph (default)",
    templates: [
      "a photo of a {}.",
      "a photo of the {}.",
      "a close-up photo of a {}.",
      "a good photo of a {}.",
      "a cropped photo of the {}.",
      "a bright photo of a {}.",
      "a photo of a small {}.",
      "a photo of a large {}.",
    ],
    helps: "ordinary camera pictures of objects, animals and scenes: the domain CLIP was mostly trained on",
    notWhen: "the images are not photographs; pick the matching domain pack instead",
  },
  medical: {
    title: "Medical scan (any modality)",
    aliases: ["medical-scan"],
    templates: [
      "a medical image of {}.",
      "a medical scan showing {}.",
      "a radiology image of {}.",
      "a clinical image showing {}.",
    ],
    helps: "sorting medical images by coarse modality or body part when the modality is unknown",
    notWhen: MEDICAL_NOT_WHEN,
  },
  xray: {
    title: "X-ray",
    aliases: ["x-ray", "radiograph"],
    templates: [
      "an x-ray of {}.",
      "a chest x-ray showing {}.",
      "a radiograph of {}.",
      "an x-ray image showing {}.",
    ],
    helps: "telling x-rays apart by body part or gross appearance",
    notWhen: MEDICAL_NOT_WHEN,
  },
  ct: {
    title: "CT scan",
    aliases: ["ct-scan"],
    templates: ["a CT scan of {}.", "a computed tomography image showing {}.", "an axial CT slice of {}."],
    helps: "telling CT slices apart by body region",
    notWhen: MEDICAL_NOT_WHEN,
  },
  mri: {
    title: "MRI",
    aliases: ["mri-scan"],
    templates: ["an MRI scan of {}.", "a magnetic resonance image showing {}.", "an MRI slice of {}."],
    helps: "telling MRI slices apart by body region or sequence look",
    notWhen: MEDICAL_NOT_WHEN,
  },
  ultrasound: {
    title: "Ultrasound",
    aliases: ["sonogram"],
    templates: ["an ultrasound image of {}.", "a sonogram showing {}.", "an ultrasound scan of {}."],
    helps: "routing ultrasound frames by organ or view",
    notWhen: MEDICAL_NOT_WHEN,
  },
  histopathology: {
    title: "Histopathology slide",
    aliases: ["histology", "pathology"],
    templates: [
      "a histopathology slide of {}.",
      "an H&E stained tissue section showing {}.",
      "a microscopy image of {} tissue.",
    ],
    helps: "coarse tissue-type sorting of H&E patches",
    notWhen: `${MEDICAL_NOT_WHEN}; CLIP scores near chance on PatchCamelyon`,
  },
  satellite: {
    title: "Satellite / aerial",
    aliases: ["aerial", "remote-sensing"],
    templates: [
      "a satellite image of {}.",
      "a satellite photo of a {}.",
      "an aerial photo of a {}.",
      "an aerial view of {}.",
      "a centered satellite photo of {}.",
    ],
    helps:
      "land use and land cover (EuroSAT, RESISC45): the anchor moves text from ground-level to top-down views",
    notWhen:
      "multispectral or SAR bands, or fine counts and measurements; fine-tune or use a remote-sensing model",
  },
  sketch: {
    title: "Sketch / line drawing",
    aliases: ["line-drawing", "drawing"],
    templates: [
      "a sketch of a {}.",
      "a pencil sketch of a {}.",
      "a line drawing of a {}.",
      "a black and white drawing of a {}.",
      "a doodle of a {}.",
    ],
    helps: "hand-drawn or line-art images (ImageNet-Sketch style)",
    notWhen: "technical drawings, schematics or handwriting recognition",
  },
  painting: {
    title: "Painting / artwork",
    aliases: ["art", "artwork"],
    templates: [
      "a painting of a {}.",
      "an oil painting of a {}.",
      "a watercolor painting of a {}.",
      "art of a {}.",
    ],
    helps: "fine-art reproductions and digital paintings when the subject is what you classify",
    notWhen: "attributing artist, period or authenticity; CLIP's style knowledge is uneven and biased",
  },
  cartoon: {
    title: "Cartoon / illustration",
    aliases: ["illustration", "comic"],
    templates: [
      "a cartoon {}.",
      "a cartoon of a {}.",
      "an illustration of a {}.",
      "a drawing of a cartoon {}.",
    ],
    helps: "comics, clip art and flat illustrations",
    notWhen: "recognising specific characters or brands reliably",
  },
  emoji: {
    title: "Emoji",
    templates: ["an emoji of a {}.", "a {} emoji.", "an emoji icon of a {}.", "a cartoon emoji of a {}."],
    helps: "small emoji glyphs on a plain background",
    notWhen: "telling near-identical emoji variants (skin tones, vendor styles) apart",
  },
  icon: {
    title: "Icon / pictogram",
    aliases: ["pictogram", "logo"],
    templates: ["an icon of a {}.", "a {} icon.", "a flat icon of a {}.", "a simple pictogram of a {}."],
    helps: "UI icons, pictograms and simple symbols",
    notWhen: "logo or trademark identification, which needs exact matching",
  },
  infrared: {
    title: "Infrared / thermal",
    aliases: ["thermal"],
    templates: [
      "a thermal image of a {}.",
      "an infrared photo of a {}.",
      "a thermal camera image of a {}.",
      "a black and white infrared image of a {}.",
    ],
    helps: "coarse object categories in thermal footage (person, car, animal)",
    notWhen: "temperature reading or anything safety-critical; thermal is rare in CLIP's training data",
  },
  microscopy: {
    title: "Microscopy",
    aliases: ["microscope"],
    templates: [
      "a microscope image of {}.",
      "a microscopy photo of {}.",
      "a fluorescence microscopy image of {}.",
      "a magnified image of {}.",
    ],
    helps: "telling very different specimen kinds apart (cells vs crystals vs fibres)",
    notWhen: "cell-type or phenotype classification; fine-tune on labelled microscopy",
  },
  document: {
    title: "Document / screenshot",
    aliases: ["screenshot", "scan"],
    templates: [
      "a screenshot of a {}.",
      "a scanned document of a {}.",
      "a photo of a {} document.",
      "a page showing a {}.",
    ],
    helps: "routing page types (invoice, receipt, form, chart, code screenshot)",
    notWhen: "reading the text itself; use OCR or a document model",
  },
  render3d: {
    title: "3-D render",
    aliases: ["3d-render", "3d", "render"],
    templates: [
      "a 3D render of a {}.",
      "a rendering of a {}.",
      "a 3D model of a {}.",
      "a CGI image of a {}.",
    ],
    helps: "synthetic product shots, game assets and CAD renders",
    notWhen: "telling renders from photos as a forensic signal",
  },
  lowQuality: {
    title: "Low-quality photo",
    aliases: ["low-quality", "lowquality", "blurry"],
    templates: [
      "a blurry photo of a {}.",
      "a low resolution photo of a {}.",
      "a jpeg corrupted photo of a {}.",
      "a dark photo of a {}.",
      "a pixelated photo of a {}.",
      "a bad photo of a {}.",
    ],
    helps: "webcam, CCTV, old phone or heavily compressed images",
    notWhen: "the signal is destroyed (tiny crops, extreme noise): no prompt recovers it",
  },
};

/** Every built-in pack by name, e.g. `packs.satellite`. */
export const packs: Readonly<Record<PackName, Pack>> = Object.freeze(
  Object.fromEntries(
    Object.entries(defs).map(([name, d]) => [
      name,
      Object.freeze({
        kind: "pack" as const,
        name: name as PackName,
        ...d,
        aliases: Object.freeze([...(d.aliases ?? [])]),
        templates: Object.freeze([...d.templates]),
      }),
    ]),
  ) as Record<PackName, Pack>,
);

/** The default pack. */
export const defaultPack: Pack = packs.photo;

const byName = new Map<string, Pack>();
for (const p of Object.values(packs)) {
  for (const key of [p.name, ...p.aliases]) byName.set(key.toLowerCase(), p);
}

/** True when `name` (or an alias, case-insensitive) is a built-in pack. */
export function hasPack(name: string): boolean {
  return byName.has(name.toLowerCase());
}

/** A pack by name or alias (case-insensitive), e.g. `getPack("emoji")`, `getPack("aerial")`. */
export function getPack(name: string): Pack {
  const pack = byName.get(name.toLowerCase());
  if (!pack) {
    throw new ClipkitError(
      "NOT_FOUND",
      `no prompt pack named ${JSON.stringify(name)}; known: ${packNames().join(", ")}`,
      {
        details: { argument: "pack", name },
      },
    );
  }
  return pack;
}

/** Names of the built-in packs (without aliases). */
export function packNames(): PackName[] {
  return Object.keys(packs) as PackName[];
}
