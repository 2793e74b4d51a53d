/*
 * The shell's command table (commands.c) and the helpers commands use.
 */
#ifndef GUEST_SHELL_H
#define GUEST_SHELL_H

struct command {
	const char *name;
	const char *usage;
	const char *help;
	int (*fn)(int argc, char **argv); /* 0 or -errno */
};

/* Terminated by an entry with a NULL name. */
extern const struct command commands[];

int shell_exec(const char *line);

/* xs.c */
int cmd_xs_read(int argc, char **argv);
int cmd_xs_write(int argc, char **argv);
int cmd_xs_ls(int argc, char **argv);
int cmd_xs_rm(int argc, char **argv);
void ticker_poll(void);
/* dirty.c: background page writer for migration tests */
int cmd_dirty(int argc, char **argv);
void dirty_poll(void);
/* balloon.c: the balloon driver and `mem` */
void balloon_init(void);
void balloon_poll(void);
int cmd_mem(int argc, char **argv);
/* hostile.c: the hostile-guest cases (tests/hostile.bats) */
int cmd_hostile(int argc, char **argv);

#endif
