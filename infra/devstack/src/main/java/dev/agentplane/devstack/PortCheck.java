package dev.agentplane.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.Map;

/** Finds out, before anything starts, whether the ports the stack needs are free. */
final class PortCheck {

  private PortCheck() {}

  /** The named ports ("gateway port" to 8080) that something else already listens on. */
  static Map<String, Integer> taken(Map<String, Integer> namedPorts) {
    Map<String, Integer> taken = new LinkedHashMap<>();
    namedPorts.forEach(
        (name, port) -> {
          if (!isFree(port)) {
            taken.put(name, port);
          }
        });
    return taken;
  }

  /**
   * True when nothing listens on the port, on any interface. The services bind the wildcard address
   * (like Micronaut's default), so the check binds it too; the connect catches listeners that only
   * a loopback bind would not collide with on some systems.
   */
  static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(port));
    } catch (IOException e) {
      return false;
    }
    return !acceptsConnections(port);
  }

  /** True when something accepts TCP connections on 127.0.0.1:port. */
  static boolean acceptsConnections(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A port the operating system considers free right now, for the embedded PostgreSQL. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not find a free port", e);
    }
  }
}
