package dev.agentplane.execution.tool.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.tool.ToolFailure;
import java.util.regex.Pattern;

/**
 * Fills a header value template: {@code {{secret:NAME}}} with the tenant's secret and, outside
 * those references, {@code {param}} with the argument's text, as the registry reads them. One pass
 * over the template, so text an argument brings in is never read as a reference: an argument {@code
 * "{{secret:API_TOKEN}}"} is sent as those characters, not as the token.
 */
final class HeaderTemplate {

  // The registry's TemplateText.SECRET_NAME.
  private static final Pattern SECRET_NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final String SECRET_PREFIX = "secret:";

  /** Where secret values come from: the call's {@link RevealedSecrets}. */
  @FunctionalInterface
  interface SecretSource {
    String reveal(String name);
  }

  private HeaderTemplate() {}

  static String fill(String header, String template, JsonNode arguments, SecretSource secrets) {
    StringBuilder filled = new StringBuilder(template.length());
    int from = 0;
    while (from < template.length()) {
      int opening = template.indexOf("{{", from);
      String literal = template.substring(from, opening < 0 ? template.length() : opening);
      filled.append(Placeholders.fill(literal, name -> argument(header, name, arguments)));
      if (opening < 0) {
        break;
      }
      int closing = template.indexOf("}}", opening + 2);
      String reference = closing < 0 ? "" : template.substring(opening + 2, closing);
      if (!reference.startsWith(SECRET_PREFIX)
          || !SECRET_NAME.matcher(reference.substring(SECRET_PREFIX.length())).matches()) {
        throw HttpToolSpec.invalidSpec("the header '" + header + "' has a malformed {{...}}");
      }
      filled.append(secret(header, reference.substring(SECRET_PREFIX.length()), secrets));
      from = closing + 2;
    }
    return filled.toString();
  }

  private static String argument(String header, String name, JsonNode arguments) {
    String value = Placeholders.text(arguments, name);
    if (breaksHeader(value)) {
      throw new ToolFailure(
          "invalid_arguments",
          "the argument '"
              + name
              + "' cannot go in the header '"
              + header
              + "': it holds a line break or NUL");
    }
    return value;
  }

  private static String secret(String header, String name, SecretSource secrets) {
    String value = secrets.reveal(name);
    if (breaksHeader(value)) {
      throw new ToolFailure(
          "tool_secret_invalid",
          "the secret "
              + name
              + " cannot go in the header '"
              + header
              + "': it holds a line break"
              + " or NUL");
    }
    return value;
  }

  // Header injection: a CR or LF would end the header and let the value write others.
  private static boolean breaksHeader(String value) {
    return value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0;
  }
}
