#!/usr/bin/python3
"""TCP relay from inside a network namespace to this one's loopback.

    nsrelay.py NETNS_PATH LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT READY_FILE

The listening socket is created inside the namespace NETNS_PATH (setns to
it, socket(), bind(), listen(), setns back); every accepted connection is
relayed to TARGET_ADDR:TARGET_PORT in the namespace the relay was started
in.  A socket stays in the namespace it was created in, so one process
bridges the two without veth pairs or routes.  READY_FILE is written once
the listener is up.  Runs until killed (SIGTERM).
"""
import ctypes
import os
import signal
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def setns(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


def pump(src, dst, tag):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError as e:
        print(f"nsrelay: {tag}: {e}", file=sys.stderr)
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client, peer, target):
    try:
        upstream = socket.create_connection(target, timeout=10)
        upstream.settimeout(None)
    except OSError as e:
        print(f"nsrelay: connect {target}: {e}", file=sys.stderr)
        client.close()
        return
    print(f"nsrelay: {peer[0]}:{peer[1]} -> {target[0]}:{target[1]}", file=sys.stderr)
    t = threading.Thread(target=pump, args=(upstream, client, "server->client"), daemon=True)
    t.start()
    pump(client, upstream, "client->server")
    t.join()
    client.close()
    upstream.close()


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    ns_path, laddr, lport, taddr, tport, ready = sys.argv[1:]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target_ns = os.open(ns_path, os.O_RDONLY)
    setns(target_ns)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((laddr, int(lport)))
    lsock.listen(8)
    setns(home)
    os.close(home)
    os.close(target_ns)
    with open(ready, "w") as f:
        f.write(f"{os.getpid()}\n")
    while True:
        client, peer = lsock.accept()
        threading.Thread(target=serve, args=(client, peer, (taddr, int(tport))),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
