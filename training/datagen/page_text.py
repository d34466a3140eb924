"""Prose around the formulas on a page: Korean and English instructions, problem numbers, and
distractor drawings (diagrams, tables) that are ink but not maths."""
import cv2
import numpy as np

NANUM = "/usr/share/fonts/truetype/nanum/"
TEXT_FONTS = [NANUM + f for f in ("NanumGothic.ttf", "NanumMyeongjo.ttf", "NanumBarunGothic.ttf", "NanumSquareR.ttf",
                                  "NanumGothicBold.ttf", "NanumMyeongjoBold.ttf")]
HAND_TEXT_FONTS = [NANUM + "NanumPen.ttf", NANUM + "NanumBrush.ttf", NANUM + "NanumBarunpenR.ttf"]

KO = ["다음 식을 계산하시오.", "다음 방정식의 해를 구하시오.", "의 값을 구하여라.", "다음 중 옳은 것을 고르시오.",
      "함수의 그래프를 그리시오.", "다음 부등식을 푸시오.", "를 만족시키는 실수", "의 최댓값과 최솟값을 구하시오.",
      "풀이 과정을 쓰시오.", "그림과 같이 삼각형", "일 때, 다음 물음에 답하시오.", "답:", "따라서", "이므로",
      "정답과 해설", "연습문제", "단원 평가", "예제", "확인 문제", "서술형", "상수", "의 넓이를 구하여라.",
      "두 점 사이의 거리", "수열의 일반항", "극한값을 구하시오.", "미분계수", "정적분의 값", "행렬", "확률",
      "경우의 수", "집합", "분수의 덧셈", "소수의 곱셈", "나눗셈의 몫과 나머지", "빈칸에 알맞은 수를 쓰시오."]
EN = ["Solve for x.", "Find the value of", "Simplify the expression.", "Evaluate the following.", "Show that",
      "Answer:", "Therefore", "Hence", "Example", "Exercise", "Let", "where", "such that", "Compute", "Given that",
      "Prove that", "Factorise completely.", "Find all real solutions.", "Check your answer.", "Note:", "Step 1",
      "Homework", "Quiz", "Name:", "Date:", "Score:"]
NUMBERS = ["{n}.", "{n})", "({n})", "[{n}]", "문제 {n}", "Q{n}.", "{n}번", "예제 {n}"]


def phrase(rng, words=(2, 6)):
    bank = KO if rng.random() < 0.65 else EN
    k = int(rng.integers(*words))
    return " ".join(bank[int(rng.integers(len(bank)))] for _ in range(k))


def problem_number(rng, n):
    return NUMBERS[int(rng.integers(len(NUMBERS)))].format(n=n)


def diagram(rng, w, h):
    """Ink coverage of a geometry figure, axes with a curve, or a number line."""
    cov = np.zeros((h, w), np.float32)
    kind = rng.integers(4)
    t = max(1, int(min(w, h) / 80))
    if kind == 0:  # triangle / polygon
        pts = rng.uniform([0.1 * w, 0.1 * h], [0.9 * w, 0.9 * h], (int(rng.integers(3, 6)), 2)).astype(np.int32)
        cv2.polylines(cov, [cv2.convexHull(pts)], True, 1.0, t, cv2.LINE_AA)
    elif kind == 1:  # circle with a chord
        c, r = (w // 2, h // 2), int(min(w, h) * rng.uniform(0.25, 0.45))
        cv2.circle(cov, c, r, 1.0, t, cv2.LINE_AA)
        cv2.line(cov, (c[0] - r, c[1]), (c[0] + int(r * 0.6), c[1] - int(r * 0.8)), 1.0, t, cv2.LINE_AA)
    elif kind == 2:  # axes and a curve
        cv2.arrowedLine(cov, (int(0.05 * w), h // 2), (int(0.95 * w), h // 2), 1.0, t, tipLength=0.04)
        cv2.arrowedLine(cov, (w // 2, int(0.95 * h)), (w // 2, int(0.05 * h)), 1.0, t, tipLength=0.04)
        xs = np.linspace(0.1, 0.9, 60) * w
        a, b = rng.uniform(-2, 2), rng.uniform(-0.3, 0.3)
        u = (xs / w - 0.5) * 2
        ys = h / 2 - (a * u * u + b) * h * 0.4
        pts = np.stack([xs, np.clip(ys, 0, h - 1)], 1).astype(np.int32)
        cv2.polylines(cov, [pts], False, 1.0, t, cv2.LINE_AA)
    else:  # number line with ticks
        y = h // 2
        cv2.line(cov, (int(0.05 * w), y), (int(0.95 * w), y), 1.0, t, cv2.LINE_AA)
        for x in np.linspace(0.1, 0.9, int(rng.integers(5, 11))) * w:
            cv2.line(cov, (int(x), y - h // 10), (int(x), y + h // 10), 1.0, t, cv2.LINE_AA)
    return cov


def table(rng, w, h, font_path, draw_text):
    """A ruled table with words in its cells (a distractor: ink in a grid, but no formula)."""
    cov = np.zeros((h, w), np.float32)
    rows, cols = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    for i in range(rows + 1):
        y = int(i * (h - 1) / rows)
        cv2.line(cov, (0, y), (w - 1, y), 1.0, 1)
    for j in range(cols + 1):
        x = int(j * (w - 1) / cols)
        cv2.line(cov, (x, 0), (x, h - 1), 1.0, 1)
    size = max(8, min(int(h / rows * 0.45), int(w / cols / 3.2)))
    for i in range(rows):
        for j in range(cols):
            word = (KO + EN)[int(rng.integers(len(KO) + len(EN)))].split()[0][:3]
            draw_text(cov, word, int(j * w / cols) + 3, int(i * h / rows) + 2, size, font_path)
    return cov
