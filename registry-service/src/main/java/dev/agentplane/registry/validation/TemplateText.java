package dev.agentplane.registry.validation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two kinds of holes an HTTP tool's URL, headers and body may have: {@code {param}}, filled
 * from the call's arguments, and {@code {{secret:NAME}}}, filled from the tenant's secrets (headers
 * only).
 */
final class TemplateText {

  static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_-]*)}");
  static final Pattern SECRET_NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final String SECRET_OPENING = "{{secret:";

  /** One {@code {{...}}} in a header value: a usable secret reference or not. */
  sealed interface SecretReference {
    record WellFormed(String secretName) implements SecretReference {}

    record Malformed(String text) implements SecretReference {}
  }

  private TemplateText() {}

  /** The names of the {@code {param}} placeholders, in order of first use. */
  static Set<String> placeholders(String text) {
    Set<String> names = new LinkedHashSet<>();
    Matcher matcher = PLACEHOLDER.matcher(text);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  /** The names of the placeholders outside any {@code {{...}}}, which are secret references. */
  static Set<String> placeholdersOutsideSecretReferences(String text) {
    StringBuilder outside = new StringBuilder();
    int from = 0;
    int opening;
    while ((opening = text.indexOf("{{", from)) >= 0) {
      outside.append(text, from, opening).append(' ');
      int closing = text.indexOf("}}", opening + 2);
      if (closing < 0) {
        return placeholders(outside.toString());
      }
      from = closing + 2;
    }
    outside.append(text.substring(from));
    return placeholders(outside.toString());
  }

  /** Every {@code {{...}}} in a header value, in order; an unclosed one is malformed. */
  static List<SecretReference> secretReferences(String text) {
    List<SecretReference> references = new ArrayList<>();
    int from = 0;
    int opening;
    while ((opening = text.indexOf("{{", from)) >= 0) {
      int closing = text.indexOf("}}", opening + 2);
      if (closing < 0) {
        references.add(new SecretReference.Malformed(abbreviated(text.substring(opening))));
        break;
      }
      String reference = text.substring(opening, closing + 2);
      String inner = text.substring(opening + 2, closing);
      if (inner.startsWith("secret:")
          && SECRET_NAME.matcher(inner.substring("secret:".length())).matches()) {
        references.add(new SecretReference.WellFormed(inner.substring("secret:".length())));
      } else {
        references.add(new SecretReference.Malformed(abbreviated(reference)));
      }
      from = closing + 2;
    }
    return references;
  }

  /** Whether the text tries to reference a secret, well-formed or not. */
  static boolean mentionsSecret(String text) {
    return text.contains(SECRET_OPENING);
  }

  // Messages quote user input; a megabyte header value should not become a megabyte message.
  static String abbreviated(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
