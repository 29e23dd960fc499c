/**
 * Chat VQA with two images: transformers' messages format rendered by the folder's own chat
 * template (chat_template.jinja / chat_template.json / tokenizer_config.json), a streamed
 * answer, a system prompt, and a second turn that carries the first answer.
 *
 *   npx tsx --conditions=@clipkit/source examples/vqa-chat.ts [MODEL_DIR] [IMAGE_A] [IMAGE_B]
 *
 * Without arguments it runs the tiny LLaVA fixture (fixtures/models/tiny-llava, trained on
 * coloured shapes; its chat template is llava-hf/llava-1.5's).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadVlm, type NodeChatMessage } from "@clipkit/backend-node";

const fixtures = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
const [argModel, argA, argB] = process.argv.slice(2);
const model = argModel ?? join(fixtures, "tiny-llava");
const a = argA ?? join(fixtures, "tiny-captioner/images/blue-square-black.png");
const b = argB ?? join(fixtures, "tiny-captioner/images/yellow-triangle-black.png");

const vlm = await loadVlm(model);
// The tiny model's generation_config max_length (48) counts the prompt, and each image takes 16
// positions: ask for new tokens instead.
const length = { maxNewTokens: 20 };
console.log(`${model.split("/").at(-1)}: family ${vlm.family}, answers ${vlm.kinds.join(", ")}`);
try {
  // 1. Two images in one user turn; image parts carry their own path (or bytes, or pixels).
  const messages: NodeChatMessage[] = [
    {
      role: "user",
      content: [
        { type: "image", image: a },
        { type: "image", image: b },
        { type: "text", text: "Describe the image." },
      ],
    },
  ];
  process.stdout.write("two images, streamed: ");
  let started = false;
  for await (const chunk of vlm.chatStream(messages, [], length)) {
    const piece: string = started ? chunk.text : chunk.text.trimStart(); // answers often start with a space
    started ||= piece !== "";
    process.stdout.write(piece);
  }
  process.stdout.write("\n");

  // 2. Image parts without `image` take the `images` argument in order; a system prompt goes first.
  const brief = await vlm.chat(
    [{ role: "user", content: [{ type: "image" }, { type: "text", text: "What shape is it?" }] }],
    [a],
    { system: "Answer briefly.", numBeams: 3, ...length },
  );
  console.log(`with a system prompt, beam 3: ${brief.text.trim()}`);

  // 3. A second turn: the first answer becomes the assistant message, then a new question.
  const followUp = await vlm.chat(
    [
      {
        role: "user",
        content: [
          { type: "image", image: a },
          { type: "text", text: "What shape is it?" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: brief.text.trim() }] },
      {
        role: "user",
        content: [
          { type: "image", image: b },
          { type: "text", text: "What color is the background?" },
        ],
      },
    ],
    [],
    length,
  );
  console.log(`second turn: ${followUp.text.trim()}`);
} finally {
  await vlm.release();
}
