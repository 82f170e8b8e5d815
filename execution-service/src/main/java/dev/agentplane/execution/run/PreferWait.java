package dev.agentplane.execution.run;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code wait} preference of a request's {@code Prefer} headers (RFC 7240 §4.3: how many
 * seconds the client would wait for an answer), bounding how long intake keeps a request waiting
 * for its turn.
 */
final class PreferWait {

  private PreferWait() {}

  /**
   * The shorter of {@code most} and the request's {@code wait=N} seconds; {@code most} when the
   * request states none (or an unreadable one, which RFC 7240 says to ignore).
   */
  static Duration patience(List<String> preferHeaders, Duration most) {
    for (String header : preferHeaders) {
      for (String preference : header.split(",")) {
        String token = preference.split(";", 2)[0].trim();
        int equals = token.indexOf('=');
        if (equals < 0
            || !token.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("wait")) {
          continue;
        }
        String seconds = token.substring(equals + 1).trim().replace("\"", "");
        if (!seconds.isEmpty() && seconds.chars().allMatch(Character::isDigit)) {
          Duration wanted =
              seconds.length() > 9 ? most : Duration.ofSeconds(Long.parseLong(seconds));
          return wanted.compareTo(most) < 0 ? wanted : most;
        }
      }
    }
    return most;
  }
}
