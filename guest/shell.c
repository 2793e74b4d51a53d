/*
 * The shell: line input with editing, splitting into words, dispatch through
 * the command table (commands.c), and the kernel command line's
 * run="cmd; cmd; ..." script.
 */
#include "arch.h"
#include "kernel.h"
#include "net.h"
#include "shell.h"
#include "devices.h"

#define LINE_MAX 256
#define MAX_ARGS 16
#define PROMPT	 "xenon> "

static int split(char *line, char **argv)
{
	int argc = 0;

	while (*line) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (!*line)
			break;
		if (argc == MAX_ARGS)
			return -E2BIG;
		argv[argc++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
	}
	return argc;
}

int shell_exec(const char *text)
{
	char line[LINE_MAX];
	char *argv[MAX_ARGS];
	const struct command *cmd;
	int argc;

	strlcpy(line, text, sizeof(line));
	argc = split(line, argv);
	if (argc < 0) {
		printf("too many words (at most %d)\n", MAX_ARGS);
		return argc;
	}
	if (argc == 0)
		return 0;
	for (cmd = commands; cmd->name; cmd++)
		if (!strcmp(cmd->name, argv[0]))
			return cmd->fn(argc, argv);
	printf("%s: unknown command; type 'help' for the list\n", argv[0]);
	return -EINVAL;
}

/* Work to do while waiting for input: toolstack requests, xenstore events, the network, the ticker. */
void shell_poll(void)
{
	request_poll();
	net_poll();
	xs_poll();
	ticker_poll();
	dirty_poll();
	balloon_poll();
	sysrq_poll();
}

/*
 * Idle until the next interrupt unless work is waiting: a NIC's packets,
 * xenstore's (an event that came after xs_poll read the ring raised its
 * interrupt before this check, and xs_poll runs one handler at a time),
 * and with console, typed input. Checked with interrupts off, so that what
 * arrives in between cannot leave us asleep (on VT-x "sti; hlt" is atomic;
 * on PVM the next timer tick bounds the wait).
 */
void shell_idle(bool console)
{
	irq_disable();
	if ((console && console_input_pending()) || net_pending() || xs_pending())
		irq_enable();
	else
		cpu_idle();
}

static int read_char(void)
{
	int c;

	while ((c = console_getc()) < 0) {
		shell_poll();
		shell_idle(true);
	}
	return c;
}

/* Read a line with echo; backspace/DEL erase, ^U kills the line, ^C cancels. */
static void read_line(char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		int c = read_char();

		if (c == '\r' || c == '\n') {
			console_write("\n", 1);
			break;
		} else if (c == 0x7f || c == '\b') {
			if (n) {
				n--;
				console_write("\b \b", 3);
			}
		} else if (c == 0x15) {
			for (; n; n--)
				console_write("\b \b", 3);
		} else if (c == 0x03) {
			console_write("^C\n", 3);
			n = 0;
			break;
		} else if (c >= ' ' && n + 1 < size) {
			char ch = (char)c;

			buf[n++] = ch;
			console_write(&ch, 1);
		}
	}
	buf[n] = '\0';
}

/* The value of run= on the command line: quoted ("..." or '...') or one word. */
static size_t find_script(const char *cmdline, const char **start)
{
	const char *p = cmdline;
	char quote;
	size_t n = 0;

	for (; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (strncmp(p, "run=", 4))
			continue;
		p += 4;
		quote = (*p == '"' || *p == '\'') ? *p++ : ' ';
		while (p[n] && p[n] != quote)
			n++;
		*start = p;
		return n;
	}
	return 0;
}

void shell_run_script(const char *cmdline)
{
	const char *script = NULL;
	size_t len = find_script(cmdline, &script);
	char cmd[LINE_MAX];

	while (len) {
		size_t k = 0;

		while (len && (*script == ' ' || *script == '\t'))
			script++, len--;

		while (k < len && script[k] != ';')
			k++;
		strlcpy(cmd, script, k + 1 < sizeof(cmd) ? k + 1 : sizeof(cmd));
		printf("%s%s\n", PROMPT, cmd);
		shell_exec(cmd);
		shell_poll();
		script += k < len ? k + 1 : k;
		len -= k < len ? k + 1 : k;
	}
}

void shell_loop(void)
{
	char line[LINE_MAX];

	for (;;) {
		console_write(PROMPT, sizeof(PROMPT) - 1);
		read_line(line, sizeof(line));
		shell_exec(line);
	}
}
