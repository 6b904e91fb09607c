# tools/netutil.sh: loopback port helpers shared by the end-to-end tests and
# the benchmark.  Sourced; needs $PY (Debian's /usr/bin/python3).

# free_port: a TCP port on 127.0.0.1 that nothing listens on (the kernel's pick).
free_port() {
	$PY -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# port_open PORT: something accepts connections on 127.0.0.1:PORT.
port_open() {
	$PY -c 'import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}
