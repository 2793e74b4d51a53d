/*
 * The interactive screen (ncurses), as Xen's xentop: summary, table and a
 * bottom line of keys; D sets the delay, N V B R toggle sub-rows and the
 * repeated header, S cycles the sort column, arrows scroll, Q or Esc quit.
 * A resize redraws at the new size; the terminal is restored on every way
 * out, a stop signal included (main.c then ends by that signal).
 */
#include "xentop/xentop.h"

#include <ctype.h>
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#define KEY_ESC	    0x1b
#define KEY_REPAINT 0x0c /* ^L */
#define PROMPT_MAX  80

struct screen {
	const char *prompt; /* "Delay(sec)" while asking, else NULL */
	char value[PROMPT_MAX];
	size_t len;
	bool quit, resample;
};

static void key_toggle(bool *flag)
{
	*flag = !*flag;
}

static void bottom_item(char key, const char *rest, bool active)
{
	addch(A_REVERSE | (chtype)key);
	if (active)
		attron(COLOR_PAIR(1));
	addstr(rest);
	if (active)
		attroff(COLOR_PAIR(1));
	addstr("  ");
}

static void render_bottom(const struct xt_state *st, const struct screen *sc)
{
	move(getmaxy(stdscr) - 1, 2);
	if (sc->prompt) {
		printw("%s: %s", sc->prompt, sc->value);
		return;
	}
	bottom_item('D', "elay", false);
	bottom_item('N', "etworks", st->o.networks);
	/* Xen's "vBds": the B is the key. */
	if (st->o.vbds)
		attron(COLOR_PAIR(1));
	addstr("v");
	if (st->o.vbds)
		attroff(COLOR_PAIR(1));
	bottom_item('B', "ds", st->o.vbds);
	bottom_item('V', "CPUs", st->o.vcpus);
	bottom_item('R', "epeat header", st->o.repeat);
	bottom_item('S', "ort order", false);
	bottom_item('Q', "uit", false);
}

static void redraw(struct xt_state *st, const struct screen *sc)
{
	erase();
	xt_render_summary(st);
	xt_render_table(st);
	render_bottom(st, sc);
	refresh();
}

static void prompt_key(struct xt_state *st, struct screen *sc, int ch)
{
	if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
		double d = strtod(sc->value, NULL);

		if (d > 0)
			st->o.delay_s = d;
		sc->prompt = NULL;
	} else if (ch == KEY_ESC) {
		sc->prompt = NULL;
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && sc->len) {
		sc->value[--sc->len] = '\0';
	} else if (ch >= 0 && ch < 256 && isprint(ch) && sc->len + 1 < PROMPT_MAX) {
		sc->value[sc->len++] = (char)ch;
		sc->value[sc->len] = '\0';
	}
}

static void handle_key(struct xt_state *st, struct screen *sc, int ch)
{
	if (sc->prompt) {
		prompt_key(st, sc, ch);
		return;
	}
	switch (ch < 256 && ch >= 0 ? tolower(ch) : ch) {
	case 'n':
		key_toggle(&st->o.networks);
		break;
	case 'b':
		key_toggle(&st->o.vbds);
		break;
	case 'r':
		key_toggle(&st->o.repeat);
		break;
	case 'v':
		key_toggle(&st->o.vcpus);
		break;
	case 's':
		st->sort_field = (st->sort_field + 1) % XT_NR_FIELDS;
		xt_sort(st);
		break;
	case 'd':
		sc->prompt = "Delay(sec)";
		sc->len = 0;
		sc->value[0] = '\0';
		break;
	case KEY_DOWN:
		st->first_index++;
		break;
	case KEY_UP:
		if (st->first_index)
			st->first_index--;
		break;
	case KEY_REPAINT:
		clear();
		break;
	case 'q':
	case KEY_ESC:
		sc->quit = true;
		break;
	}
}

static void screen_start(void)
{
	initscr();
	start_color();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	use_default_colors();
	init_pair(1, -1, COLOR_YELLOW);
}

int xt_run_screen(struct xt_state *st)
{
	struct screen sc = {0};
	uint64_t next = xt_now_ns();
	long done = 0;
	int rc = 0;

	screen_start();
	st->curses = true;
	while (!sc.quit && !xt_stop_signal) {
		uint64_t now = xt_now_ns();
		int ch;

		if (now >= next) {
			rc = xt_sample(st);
			if (rc < 0)
				break;
			next = now + (uint64_t)(st->o.delay_s * 1e9);
			redraw(st, &sc);
			if (st->o.iterations && ++done >= st->o.iterations)
				break;
			now = xt_now_ns();
		}
		timeout(next > now ? (int)((next - now) / 1000000ull) + 1 : 0);
		ch = getch();
		if (ch == ERR)
			continue;
		handle_key(st, &sc, ch);
		redraw(st, &sc);
	}
	endwin();
	st->curses = false;
	return rc;
}
