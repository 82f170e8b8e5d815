package dev.agentplane.registry.validation;

import dev.agentplane.kit.outbound.OutboundPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a URL in a spec says about where a call goes: the host it names, or why it names none. An
 * HTTP tool's URL is a template whose {@code {param}}s may fill the path and query but never the
 * host, since then arguments would choose whom the platform calls.
 */
sealed interface UrlReading {

  record Host(String host) implements UrlReading {}

  record HostTemplated() implements UrlReading {}

  record Invalid(String reason) implements UrlReading {}

  Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://");

  /** Reads a URL template: placeholders are allowed after the host. */
  static UrlReading ofTemplate(String template) {
    return read(template, true);
  }

  /** Reads a plain URL: no placeholders anywhere. */
  static UrlReading ofUrl(String url) {
    return read(url, false);
  }

  private static UrlReading read(String text, boolean template) {
    Matcher scheme = SCHEME.matcher(text);
    if (!scheme.find()) {
      return new Invalid("'" + TemplateText.abbreviated(text) + "' is not an absolute http(s) URL");
    }
    String name = scheme.group(1).toLowerCase(Locale.ROOT);
    if (!name.equals("http") && !name.equals("https")) {
      return new Invalid("the scheme '" + name + "' is not http or https");
    }
    int authorityStart = scheme.end();
    int authorityEnd = authorityStart;
    while (authorityEnd < text.length() && "/?#".indexOf(text.charAt(authorityEnd)) < 0) {
      authorityEnd++;
    }
    String authority = text.substring(authorityStart, authorityEnd);
    if (template && (authority.indexOf('{') >= 0 || authority.indexOf('}') >= 0)) {
      return new HostTemplated();
    }
    String concrete = template ? TemplateText.PLACEHOLDER.matcher(text).replaceAll("x") : text;
    URI uri;
    try {
      uri = new URI(concrete);
    } catch (URISyntaxException e) {
      return new Invalid("not a valid URL: " + e.getReason());
    }
    // Shorthand IPv4 spellings (127.1, 0x7f.1) are no host to java.net.URI but an address to
    // inet_aton and so to some clients: read them as the addresses they mean, for the host rule.
    Optional<String> host = OutboundPolicy.hostOf(uri);
    if (host.isEmpty()) {
      return new Invalid("'" + TemplateText.abbreviated(authority) + "' is not a valid host");
    }
    if (uri.getRawUserInfo() != null || authority.indexOf('@') >= 0) {
      // Credentials in a URL end up in logs and traces; headers with {{secret:NAME}} do not.
      return new Invalid("the URL carries credentials; use a header with {{secret:NAME}}");
    }
    return new Host(host.get());
  }
}
