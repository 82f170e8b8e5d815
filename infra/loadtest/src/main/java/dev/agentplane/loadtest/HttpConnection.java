package dev.agentplane.loadtest;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection speaking just enough of the protocol to send a fixed GET and
 * read the whole answer (Content-Length or chunked). Deliberately minimal, so the driver spends its
 * CPU on the sockets and not on a client library: on a small machine the driver competes with the
 * servers it measures.
 */
final class HttpConnection implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] line = new byte[8192];

  private HttpConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 16384);
    this.out = socket.getOutputStream();
  }

  static HttpConnection open(URI url) throws IOException {
    Socket socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(url.getHost(), port(url)), 5000);
    socket.setSoTimeout(30_000);
    return new HttpConnection(socket);
  }

  static byte[] request(URI url, String token) {
    String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    StringBuilder request =
        new StringBuilder("GET ")
            .append(path.isEmpty() ? "/" : path)
            .append(" HTTP/1.1\r\nHost: ")
            .append(url.getHost())
            .append(':')
            .append(port(url))
            .append("\r\nAccept: application/json\r\n");
    if (token != null && !token.isBlank()) {
      request.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    return request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** Sends the request, reads the whole response, returns its status. */
  int exchange(byte[] request) throws IOException {
    out.write(request);
    out.flush();
    int length = readLine();
    if (length < 12) {
      throw new IOException("Malformed status line");
    }
    int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    long contentLength = -1;
    boolean chunked = false;
    boolean close = false;
    while ((length = readLine()) > 0) {
      String header = new String(line, 0, length, StandardCharsets.US_ASCII);
      int colon = header.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = header.substring(0, colon).trim();
      String value = header.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("Content-Length")) {
        contentLength = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
        chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
      } else if (name.equalsIgnoreCase("Connection")) {
        close = value.equalsIgnoreCase("close");
      }
    }
    if (chunked) {
      long chunk;
      while ((chunk = Long.parseLong(readLineString().split(";")[0].trim(), 16)) > 0) {
        skip(chunk);
        readLine();
      }
      while (readLine() > 0) {
        // trailers
      }
    } else if (contentLength > 0) {
      skip(contentLength);
    }
    if (close) {
      throw new IOException("Server closed the connection");
    }
    return status;
  }

  private void skip(long bytes) throws IOException {
    long left = bytes;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new EOFException();
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }

  private String readLineString() throws IOException {
    int length = readLine();
    return new String(line, 0, length, StandardCharsets.US_ASCII);
  }

  /** Reads one CRLF-terminated line into {@link #line}; returns its length without CRLF. */
  private int readLine() throws IOException {
    int length = 0;
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new EOFException("Connection closed");
      }
      if (b != '\r' && length < line.length) {
        line[length++] = (byte) b;
      }
    }
    return length;
  }

  private static int port(URI url) {
    return url.getPort() > 0 ? url.getPort() : 80;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing left to do with a socket that will not close.
    }
  }
}
