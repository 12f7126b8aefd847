/*
 * Loaded into the pcscd that the card-stack tests start (LD_PRELOAD), never into anything shipped.
 * vpcd writes each frame to the virtual card as two writes, the 2-byte length and then the body,
 * on a socket without TCP_NODELAY: Nagle's algorithm holds the body back until the card's delayed
 * ACK of the length, ~40 ms per APDU (measured: 43 ms between the two parts of every frame).
 * This sets TCP_NODELAY on each socket pcscd accepts (on its Unix socket the call just fails).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int no_delay(int fd)
{
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	static int (*real)(int, struct sockaddr *, socklen_t *);
	if (!real)
		real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
	return no_delay(real(fd, addr, len));
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	static int (*real)(int, struct sockaddr *, socklen_t *, int);
	if (!real)
		real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
	return no_delay(real(fd, addr, len, flags));
}
