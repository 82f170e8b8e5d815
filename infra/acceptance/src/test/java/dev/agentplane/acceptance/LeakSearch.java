package dev.agentplane.acceptance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A value that must not be found, in every form in which it could leak, and the search for them in
 * what a test observed. A secret rarely leaks verbatim only: a URL carries it percent-encoded, a
 * {@code Basic} header or a serialized byte array carries it in base64 (at any of three alignments,
 * depending on what precedes it), PostgreSQL prints a {@code bytea} column in hex.
 *
 * @param value the value itself
 * @param forms the text of each form by its name ({@code plain}, {@code url-encoded}, {@code base64
 *     at offset 1}…)
 */
record LeakSearch(String value, Map<String, String> forms) {

  /**
   * Something a test observed: an HTTP reply, a Kafka record, a log file, the rows of a table.
   *
   * @param where what it was, for the report ({@code GET /v1/runs/…}, {@code log of execution})
   */
  record Observed(String where, String text) {}

  /** One place where a form was found, with the text around it. */
  record Sighting(String where, String form, String around) {

    @Override
    public String toString() {
      return where + " holds the " + form + " form: …" + around + "…";
    }
  }

  private static final int AROUND = 100;

  /** The forms of {@code value}; the case of the plain, URL-encoded and hex forms is ignored. */
  static LeakSearch of(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    Map<String, String> forms = new LinkedHashMap<>();
    forms.put("plain", value);
    forms.put("url-encoded", URLEncoder.encode(value, StandardCharsets.UTF_8));
    forms.put("hex", HexFormat.of().formatHex(bytes));
    for (int offset = 0; offset < 3; offset++) {
      String base64 = base64Core(Base64.getEncoder(), bytes, offset);
      String base64Url = base64Core(Base64.getUrlEncoder(), bytes, offset);
      forms.put("base64 at offset " + offset, base64);
      if (!base64Url.equals(base64)) {
        forms.put("base64url at offset " + offset, base64Url);
      }
    }
    return new LeakSearch(value, Map.copyOf(forms));
  }

  /**
   * The characters that encode {@code bytes} wherever they stand {@code offset} bytes past a
   * multiple of three in a longer encoded text: the whole four-character groups that encode only
   * bytes of the value, so neither what precedes it nor what follows changes them.
   */
  private static String base64Core(Base64.Encoder encoder, byte[] bytes, int offset) {
    byte[] shifted = new byte[offset + bytes.length];
    System.arraycopy(bytes, 0, shifted, offset, bytes.length);
    String encoded = encoder.withoutPadding().encodeToString(shifted);
    int firstWholeGroup = offset == 0 ? 0 : 4;
    int wholeGroups = shifted.length / 3;
    return encoded.substring(firstWholeGroup, wholeGroups * 4);
  }

  /** The names of the forms found in {@code text}. */
  List<String> formsIn(String text) {
    return sightingsIn(List.of(new Observed("text", text))).stream().map(Sighting::form).toList();
  }

  /** Every form found in every one of {@code observed}, with where and the text around it. */
  List<Sighting> sightingsIn(List<Observed> observed) {
    List<Sighting> sightings = new ArrayList<>();
    for (Observed each : observed) {
      String lowerCase = each.text().toLowerCase(Locale.ROOT);
      forms.forEach(
          (name, form) -> {
            int at =
                name.startsWith("base64")
                    ? each.text().indexOf(form)
                    : lowerCase.indexOf(form.toLowerCase(Locale.ROOT));
            if (at >= 0) {
              // Lower-casing may change the length of some text, so the bounds are clamped.
              int end = Math.min(each.text().length(), at + form.length() + AROUND);
              String around = each.text().substring(Math.min(end, Math.max(0, at - AROUND)), end);
              sightings.add(new Sighting(each.where(), name, around));
            }
          });
    }
    return sightings;
  }
}
