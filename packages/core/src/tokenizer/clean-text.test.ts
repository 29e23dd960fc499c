import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanClipText } from "./clean-text.js";
import { fixText } from "./ftfy.js";
import { unescapeHtml } from "./html-unescape.js";
import { fixUtf8Mojibake } from "./mojibake.js";

describe("unescapeHtml (Python html.unescape)", () => {
  it("handles named, numeric and legacy references", () => {
    expect(unescapeHtml("&amp; &lt;b&gt; &quot;q&quot; &eacute;t&eacute;")).toBe('& <b> "q" été');
    expect(unescapeHtml("&#39; &#x27; &#X41;")).toBe("' ' A");
    // Legacy names need no ';' and the longest known prefix wins.
    expect(unescapeHtml("&amp &notit; &copyx")).toBe("& ¬it; ©x");
    expect(unescapeHtml("&nosuch; & alone")).toBe("&nosuch; & alone");
  });

  it("applies HTML5's invalid code point rules", () => {
    expect(unescapeHtml("&#0; &#x80; &#150; &#xD800; &#1114112; &#1; &#65535;")).toBe(
      "\ufffd € – \ufffd \ufffd  ",
    );
  });
});

describe("fixText (ftfy subset)", () => {
  it("uncurls quotes, splits ligatures, narrows fullwidth forms", () => {
    expect(fixText("“hi” ‘there’ it’s")).toBe("\"hi\" 'there' it's");
    expect(fixText("ﬁne ﬂow ﬃ Ĳ")).toBe("fine flow ffi IJ");
    expect(fixText("ＡＢＣ　１２３！")).toBe("ABC 123!");
  });

  it("repairs Latin-1/Windows-1252 mojibake and C1 controls", () => {
    expect(fixText("cafÃ© Ã©tÃ©")).toBe("café été");
    expect(fixText("â€œquotedâ€\u009d")).toBe('"quoted"');
    expect(fixText("price \u0080 5")).toBe("price € 5");
  });

  it("fixes the examples from ftfy's documentation", () => {
    expect(fixText("&macr;\\_(ãƒ„)_/&macr;")).toBe("¯\\_(ツ)_/¯");
    expect(fixText("schÃ¶n")).toBe("schön");
    expect(fixText("â€”")).toBe("—");
    // Two rounds of mojibake need two passes of the fixed-point loop.
    expect(fixText("The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.")).toBe(
      "The Mona Lisa doesn't have eyebrows.",
    );
    expect(fixText("ﬂuﬃeﬆ")).toBe("fluffiest");
  });

  it("unescapes entities only outside HTML and removes control characters", () => {
    expect(fixText("&eacute;t&eacute; &amp;")).toBe("été &");
    expect(fixText("<b>&amp;</b>")).toBe("<b>&amp;</b>");
    expect(fixText("a\u0000b\ufeffc\u001b[31md")).toBe("abcd");
    expect(fixText("e\u0301")).toBe("é");
  });

  it("leaves correct text alone", () => {
    for (const text of ["Café au lait", "naïve résumé", "Ångström", "日本語", "½ ™ °C", "Âge", "Ça va"]) {
      expect(fixText(text)).toBe(text.normalize("NFC"));
    }
    expect(fixUtf8Mojibake("é» and Ô")).toBe("é» and Ô");
  });

  it("is idempotent (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (text) => {
        const once = fixText(text);
        expect(fixText(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });
});

describe("cleanClipText", () => {
  it("strips, collapses Python whitespace and lowercases", () => {
    expect(cleanClipText("  A\t B\u00a0\u3000C\n")).toBe("a b c");
    expect(cleanClipText("&amp;amp;")).toBe("&");
    expect(cleanClipText("İstanbul")).toBe("i̇stanbul");
  });
});
