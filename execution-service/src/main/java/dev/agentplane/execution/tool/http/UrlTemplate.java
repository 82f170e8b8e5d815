package dev.agentplane.execution.tool.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.execution.tool.ToolFailure;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills an HTTP tool's URL template from the call's arguments. Each value is percent-encoded
 * (UTF-8, everything but RFC 3986's unreserved characters), which keeps it inside the path segment
 * or query value it fills: a value can add no {@code /}, {@code ?}, {@code &}, {@code =} or {@code
 * #} of its own. A path segment that a value makes {@code .} or {@code ..} is refused, since
 * servers resolve those and the call would leave the tool's path. Only the path and query are
 * templated: the registry refused placeholders in the host, and one found there now is refused
 * again.
 */
final class UrlTemplate {

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private UrlTemplate() {}

  static URI fill(String template, JsonNode arguments) {
    Matcher scheme = SCHEME.matcher(template);
    if (!scheme.find()) {
      throw HttpToolSpec.invalidSpec("the url is not absolute");
    }
    int pathStart = scheme.end();
    while (pathStart < template.length() && "/?#".indexOf(template.charAt(pathStart)) < 0) {
      pathStart++;
    }
    String origin = template.substring(0, pathStart);
    if (Placeholders.PARAMETER.matcher(origin).find()) {
      throw HttpToolSpec.invalidSpec("placeholders may not choose the host");
    }
    int queryStart = pathStart;
    while (queryStart < template.length() && "?#".indexOf(template.charAt(queryStart)) < 0) {
      queryStart++;
    }
    String url =
        origin
            + filledPath(template.substring(pathStart, queryStart), arguments)
            + Placeholders.fill(
                template.substring(queryStart),
                name -> percentEncoded(Placeholders.text(arguments, name)));
    try {
      return new URI(url);
    } catch (URISyntaxException e) {
      throw HttpToolSpec.invalidSpec("the url is not valid once filled: " + e.getReason());
    }
  }

  private static String filledPath(String path, JsonNode arguments) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/", -1)) {
      if (!Placeholders.PARAMETER.matcher(segment).find()) {
        segments.add(segment);
        continue;
      }
      String decoded = Placeholders.fill(segment, name -> Placeholders.text(arguments, name));
      if (decoded.equals(".") || decoded.equals("..")) {
        throw new ToolFailure(
            "invalid_arguments",
            "the arguments make a path segment '"
                + decoded
                + "', which would leave the tool's path");
      }
      segments.add(
          Placeholders.fill(segment, name -> percentEncoded(Placeholders.text(arguments, name))));
    }
    return String.join("/", segments);
  }

  static String percentEncoded(String value) {
    StringBuilder encoded = new StringBuilder(value.length());
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int octet = b & 0xff;
      if (unreserved(octet)) {
        encoded.append((char) octet);
      } else {
        encoded.append('%').append(HEX[octet >> 4]).append(HEX[octet & 0xf]);
      }
    }
    return encoded.toString();
  }

  private static boolean unreserved(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }
}
