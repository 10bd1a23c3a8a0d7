"""The words of the report and index outputs in English, Russian and Kazakh, in one place.

Every fixed text a partner reads in a workbook or chart comes from here: the headings of the
contents, notes and metadata sheets (:data:`WORKBOOK_WORDS`), the labels of the metadata rows
and the translations of the fixed convention texts (:data:`METADATA_WORDS`,
:data:`CONVENTION_TEXTS`, used by :meth:`~mics_toolkit.report.manifest.BuildInfo.metadata_rows`),
the labels of gap rows (:data:`GAP_WORDS`, :func:`gap_label`), and the sheet names,
descriptions, column headers, explanation sheet and chart texts of the index outputs (:data:`INDEX_SHEETS`, :data:`INDEX_HEADERS`, :data:`INDEX_EXPLANATION`,
:data:`INDEX_WORDS`). Labels of tables, indicators and categories come from the specs and
the survey instead. Each table has the same keys in every language (a test checks it).

Texts with ``{name}`` fields are templates filled by the renderer (``{level}`` is a
confidence level shown as ``95%``, ``{top}`` the size of the top group, ``{engine}`` the
uncertainty engine, ``{replicates}`` and ``{runs}`` counts).
"""

from __future__ import annotations

from collections.abc import Mapping

from mics_toolkit.errors import check_option
from mics_toolkit.tables import LANGUAGES

__all__ = [
    "CONVENTION_TEXTS",
    "GAP_WORDS",
    "INDEX_EXPLANATION",
    "INDEX_HEADERS",
    "INDEX_SENSITIVITY_EXPLANATION",
    "INDEX_SHEETS",
    "INDEX_WORDS",
    "METADATA_WORDS",
    "WORKBOOK_WORDS",
    "convention_label",
    "convention_text",
    "gap_label",
    "words",
]

WORKBOOK_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents",
        "notes": "Notes",
        "metadata": "Metadata",
        "sheet": "Sheet",
        "title": "Title",
        "section": "Section",
        "item": "Item",
        "value": "Value",
        "conventions": "Marks in the tables",
    },
    "ru": {
        "contents": "Содержание",
        "notes": "Примечания",
        "metadata": "Метаданные",
        "sheet": "Лист",
        "title": "Название",
        "section": "Раздел",
        "item": "Элемент",
        "value": "Значение",
        "conventions": "Обозначения в таблицах",
    },
    "kk": {
        "contents": "Мазмұны",
        "notes": "Ескертпелер",
        "metadata": "Метадеректер",
        "sheet": "Парақ",
        "title": "Атауы",
        "section": "Бөлім",
        "item": "Элемент",
        "value": "Мәні",
        "conventions": "Кестелердегі белгілер",
    },
}
"""Headings of the contents, notes and metadata sheets of every workbook."""

METADATA_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "build": "build",
        "design": "design",
        "conventions": "conventions",
        "inputs": "inputs (SHA-256)",
        "versions": "versions",
        "title": "title",
        "build date": "build date",
        "language": "language",
        "spec SHA-256": "spec SHA-256",
        "weight": "weight",
        "strata": "strata",
        "psu": "psu",
        "fpc": "fpc",
        "completed": "completed",
        "region": "region",
        "uncertainty.": "uncertainty.",
        "sensitivity.": "sensitivity.",
    },
    "ru": {
        "build": "сборка",
        "design": "дизайн выборки",
        "conventions": "соглашения",
        "inputs": "входные файлы (SHA-256)",
        "versions": "версии",
        "title": "название",
        "build date": "дата сборки",
        "language": "язык",
        "spec SHA-256": "SHA-256 спецификации",
        "weight": "вес",
        "strata": "страты",
        "psu": "первичная единица выборки",
        "fpc": "поправка на конечность совокупности",
        "completed": "завершённое интервью",
        "region": "регион",
        "uncertainty.": "неопределённость: ",
        "sensitivity.": "чувствительность: ",
    },
    "kk": {
        "build": "құрастыру",
        "design": "іріктеме дизайны",
        "conventions": "әдістемелік шарттар",
        "inputs": "кіріс файлдары (SHA-256)",
        "versions": "нұсқалар",
        "title": "атауы",
        "build date": "құрастыру күні",
        "language": "тілі",
        "spec SHA-256": "спецификацияның SHA-256",
        "weight": "салмақ",
        "strata": "страталар",
        "psu": "бастапқы іріктеу бірлігі",
        "fpc": "шектеулі жиынтық түзетуі",
        "completed": "аяқталған сұхбат",
        "region": "өңір",
        "uncertainty.": "белгісіздік: ",
        "sensitivity.": "сезімталдық: ",
    },
}
"""Section and item labels of the metadata sheet (keys are the English labels)."""

_CONVENTION_KEYS: dict[str, dict[str, str]] = {
    "ru": {
        "lonely_psu": "страта с одной первичной единицей",
        "level": "уровень доверия",
        "ci": "доверительный интервал",
        "ci_method": "интервал для доли",
        "df": "степени свободы",
        "variance": "дисперсия",
        "deff": "эффект дизайна",
        "percentages": "проценты",
        "small samples": "малые выборки",
        "missing answers": "пропущенные ответы",
        "weighting": "перевзвешивание",
        "region": "регион",
        "engine": "метод",
        "replicates": "число репликаций",
        "seed": "начальное значение генератора",
        "rank_level": "уровень интервала рангов",
        "covariance": "ковариация",
        "top": "размер верхней и нижней группы",
        "method": "метод",
        "n": "N",
        "n_boot": "бутстреп-репликации индексов",
        "n_runs": "число прогонов",
        "failed_runs": "неудавшиеся прогоны",
        "sources": "источники",
        "target": "показатель",
    },
    "kk": {
        "lonely_psu": "бір бастапқы бірлігі бар страта",
        "level": "сенім деңгейі",
        "ci": "сенім аралығы",
        "ci_method": "үлестің аралығы",
        "df": "еркіндік дәрежелері",
        "variance": "дисперсия",
        "deff": "дизайн әсері",
        "percentages": "пайыздар",
        "small samples": "шағын іріктемелер",
        "missing answers": "жауапсыз сұрақтар",
        "weighting": "қайта салмақтау",
        "region": "өңір",
        "engine": "әдіс",
        "replicates": "репликациялар саны",
        "seed": "генератордың бастапқы мәні",
        "rank_level": "ранг аралығының деңгейі",
        "covariance": "ковариация",
        "top": "жоғарғы және төменгі топ өлшемі",
        "method": "әдіс",
        "n": "N",
        "n_boot": "индекстердің бутстреп репликациялары",
        "n_runs": "есептеулер саны",
        "failed_runs": "сәтсіз есептеулер",
        "sources": "дереккөздер",
        "target": "көрсеткіш",
    },
}

CONVENTION_TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "Taylor linearisation, first stage with replacement":
            "линеаризация Тейлора, первая ступень с возвращением",
        "with-replacement SRS variance on the domain's own n (R deff='replace')":
            "дисперсия простой случайной выборки с возвращением по собственному n домена "
            "(R deff='replace')",
        "fractions in the tidy outputs, x 100 in the tables":
            "доли в файлах CSV и Parquet, x 100 в таблицах",
        "(value) on 25-49 unweighted cases, * below 25, - for 0 cases":
            "(значение) при 25-49 невзвешенных случаях, * при менее чем 25, - при 0 случаев",
        "per indicator spec ('missing': exclude or in_denominator)":
            "по спецификации индикатора ('missing': exclude или in_denominator)",
        "design bootstrap": "бутстреп по дизайну выборки",
        "mean absolute rank shift from the nominal ranks":
            "средний абсолютный сдвиг рангов от номинальных",
    },
    "kk": {
        "Taylor linearisation, first stage with replacement":
            "Тейлор сызықтандыруы, бірінші саты қайтарымды",
        "with-replacement SRS variance on the domain's own n (R deff='replace')":
            "доменнің өз n мәні бойынша қайтарымды қарапайым кездейсоқ іріктеме дисперсиясы "
            "(R deff='replace')",
        "fractions in the tidy outputs, x 100 in the tables":
            "CSV және Parquet файлдарында үлестер, кестелерде x 100",
        "(value) on 25-49 unweighted cases, * below 25, - for 0 cases":
            "(мән) 25-49 салмақталмаған жағдайда, * 25-тен аз болса, - 0 жағдайда",
        "per indicator spec ('missing': exclude or in_denominator)":
            "индикатор спецификациясы бойынша ('missing': exclude немесе in_denominator)",
        "design bootstrap": "іріктеме дизайны бойынша бутстреп",
        "mean absolute rank shift from the nominal ranks":
            "номиналды рангтерден рангтің орташа абсолютті ығысуы",
    },
}
"""Translations of the fixed English texts of the build conventions (the English text is the
key, as in a gettext catalogue); other values (option codes, numbers) are shown as they are."""

INDEX_SHEETS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "explanation": ("Explanation", "What the sheets show and how to read the index."),
        "league": ("League table", "League table: nominal rank and score, {level} score "
                   "interval, median rank and {rank_level} rank interval, probability of being "
                   "in the top or bottom {top} regions ({engine}, {replicates} replicates)."),
        "domain_scores": ("Domain scores", "Score of the index and of each domain by region, "
                          "regions in rank order."),
        "scores": ("Scores", "Score of every group (index, domains, sub-domains) by region with "
                   "its SE and {level} interval."),
        "ranks": ("Ranks", "Rank of every group by region: nominal, median, {rank_level} "
                  "interval, probability of the top or bottom {top}."),
        "pairwise_probability": ("Pairwise", "Probability that the row region's index scores "
                                 "above the column region's; shaded when the difference is "
                                 "significant at {level} (green: row above, red: row below)."),
        "indicators": ("Indicators", "Indicator values by region as used (survey estimates are "
                       "fractions or means), their SE, the normalised value and the "
                       "missing/imputed flags."),
        "framework": ("Framework", "The framework: nodes, parents, weights (also rescaled "
                      "within the group) and methods."),
        "sensitivity_ranks": ("Sensitivity", "Sensitivity analysis ({method}, {runs} runs): "
                              "rank statistics per region over the methodological alternatives "
                              "and sampling error."),
        "sensitivity_sobol": ("Sobol indices", "First-order and total Sobol indices of the "
                              "mean absolute rank shift, per source of uncertainty. A "
                              "first-order index below 0 is estimation noise around 0: read "
                              "it as 0 (see the sheet {explanation})."),
        "metadata": ("Metadata", "How the outputs were made: build facts, data, conventions, "
                     "inputs (SHA-256) and package versions."),
    },
    "ru": {
        "explanation": ("Пояснения", "Что показывают листы и как читать индекс."),
        "league": ("Рейтинг", "Рейтинг: номинальный ранг и балл, доверительный интервал балла "
                   "({level}), медианный ранг и интервал ранга ({rank_level}), вероятность "
                   "попасть в верхние или нижние {top} регионов ({engine}, {replicates} "
                   "репликаций)."),
        "domain_scores": ("Баллы по доменам", "Балл индекса и каждого домена по регионам, "
                          "регионы в порядке рейтинга."),
        "scores": ("Баллы", "Балл каждой группы (индекс, домены, поддомены) по регионам со "
                   "стандартной ошибкой и доверительным интервалом ({level})."),
        "ranks": ("Ранги", "Ранг каждой группы по регионам: номинальный, медианный, интервал "
                  "ранга ({rank_level}), вероятность попасть в верхние или нижние {top}."),
        "pairwise_probability": ("Попарные сравнения", "Вероятность того, что балл индекса "
                                 "региона строки выше, чем у региона столбца; ячейка "
                                 "закрашена, если различие значимо на уровне {level} "
                                 "(зелёный: строка выше, красный: строка ниже)."),
        "indicators": ("Индикаторы", "Значения индикаторов по регионам в том виде, в котором "
                       "они использованы (оценки обследования - доли или средние), их "
                       "стандартные ошибки, нормированные значения и отметки о пропусках и "
                       "вменении."),
        "framework": ("Структура", "Структура индекса: узлы, родительские группы, веса (также "
                      "нормированные внутри группы) и методы."),
        "sensitivity_ranks": ("Чувствительность", "Анализ чувствительности ({method}, {runs} "
                              "прогонов): статистики рангов по регионам при методологических "
                              "альтернативах и ошибке выборки."),
        "sensitivity_sobol": ("Индексы Соболя", "Индексы Соболя первого порядка и полные "
                              "индексы для среднего абсолютного сдвига рангов, по источникам "
                              "неопределённости. Индекс первого порядка ниже 0 - это шум "
                              "оценивания около 0: читайте его как 0 (см. лист "
                              "{explanation})."),
        "metadata": ("Метаданные", "Как получены результаты: сведения о сборке, данные, "
                     "соглашения, входные файлы (SHA-256) и версии пакетов."),
    },
    "kk": {
        "explanation": ("Түсіндірме", "Парақтар нені көрсетеді және индексті қалай оқу керек."),
        "league": ("Рейтинг", "Рейтинг: номиналды ранг пен балл, балдың сенім аралығы "
                   "({level}), медиандық ранг пен ранг аралығы ({rank_level}), жоғарғы немесе "
                   "төменгі {top} өңірдің қатарына кіру ықтималдығы ({engine}, {replicates} "
                   "репликация)."),
        "domain_scores": ("Домендер бойынша балл", "Индекстің және әр доменнің өңірлер "
                          "бойынша балы, өңірлер рейтинг ретімен."),
        "scores": ("Балдар", "Әр топтың (индекс, домендер, кіші домендер) өңірлер бойынша "
                   "балы, стандартты қатесі және сенім аралығы ({level})."),
        "ranks": ("Рангтер", "Әр топтың өңірлер бойынша рангі: номиналды, медиандық, ранг "
                  "аралығы ({rank_level}), жоғарғы немесе төменгі {top} қатарына кіру "
                  "ықтималдығы."),
        "pairwise_probability": ("Жұптық салыстыру", "Жол өңірі индексінің балы баған өңірінің "
                                 "балынан жоғары болу ықтималдығы; айырмашылық {level} "
                                 "деңгейінде маңызды болса, ұяшық боялған (жасыл: жол жоғары, "
                                 "қызыл: жол төмен)."),
        "indicators": ("Индикаторлар", "Индикаторлардың өңірлер бойынша пайдаланылған мәндері "
                       "(зерттеу бағалаулары - үлестер немесе орташалар), олардың стандартты "
                       "қателері, нормаланған мәндері және жоқ немесе толықтырылған мән "
                       "белгілері."),
        "framework": ("Құрылым", "Индекс құрылымы: түйіндер, жоғары топтар, салмақтар (топ "
                      "ішінде де нормаланған) және әдістер."),
        "sensitivity_ranks": ("Сезімталдық", "Сезімталдық талдауы ({method}, {runs} "
                              "есептеу): әдістемелік баламалар мен іріктеме қатесі бойынша "
                              "өңірлер рангтерінің статистикасы."),
        "sensitivity_sobol": ("Соболь индекстері", "Рангтің орташа абсолютті ығысуы үшін "
                              "бірінші ретті және толық Соболь индекстері, белгісіздік көздері "
                              "бойынша. 0-ден төмен бірінші ретті индекс - 0 маңындағы "
                              "бағалау шуы: оны 0 деп оқыңыз ({explanation} парағын қараңыз)."),
        "metadata": ("Метадеректер", "Нәтижелер қалай алынды: құрастыру мәліметтері, деректер, "
                     "әдістемелік шарттар, кіріс файлдары (SHA-256) және пакет нұсқалары."),
    },
}
"""Per index table: the sheet name and the description under the sheet's title."""

INDEX_HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "rank": "Rank",
        "region": "Region",
        "node": "Group",
        "framework_node": "Node",
        "estimate": "Score",
        "se": "Standard error",
        "ci_lower": "Lower bound ({level})",
        "ci_upper": "Upper bound ({level})",
        "median_rank": "Median rank",
        "rank_lower": "Rank interval ({rank_level}): from",
        "rank_upper": "Rank interval ({rank_level}): to",
        "p_top": "Probability of top third",
        "p_bottom": "Probability of bottom third",
        "p_top_n": "Probability of top {top}",
        "p_bottom_n": "Probability of bottom {top}",
        "third": "Third",
        "indicator": "Indicator",
        "source": "Source",
        "kind": "Kind",
        "value": "Value",
        "normalised": "Normalised value (0-100)",
        "missing": "Missing",
        "imputed": "Imputed",
        "treated": "Outlier treatment",
        "label": "Label",
        "parent": "Parent group",
        "level": "Level",
        "weight": "Weight",
        "weight_in_group": "Weight within group",
        "method": "Method",
        "direction": "Direction",
        "score": "Score",
        "mean_rank": "Mean rank",
        "run_rank_lower": "Rank over runs: from (5%)",
        "run_rank_upper": "Rank over runs: to (95%)",
        "mean_shift": "Mean rank shift",
        "max_shift": "Largest rank shift",
        "sobol_source": "Source of uncertainty",
        "first_order": "First-order Sobol index",
        "total": "Total Sobol index",
        "first_order_lower": "First-order index: lower bound (90%)",
        "first_order_upper": "First-order index: upper bound (90%)",
        "total_lower": "Total index: lower bound (90%)",
        "total_upper": "Total index: upper bound (90%)",
        "term": "Sheet or term",
        "meaning": "What it shows",
        "top": "top third",
        "middle": "middle third",
        "bottom": "bottom third",
    },
    "ru": {
        "rank": "Ранг",
        "region": "Регион",
        "node": "Группа",
        "framework_node": "Узел",
        "estimate": "Балл",
        "se": "Стандартная ошибка",
        "ci_lower": "Нижняя граница ({level})",
        "ci_upper": "Верхняя граница ({level})",
        "median_rank": "Медианный ранг",
        "rank_lower": "Интервал ранга ({rank_level}): от",
        "rank_upper": "Интервал ранга ({rank_level}): до",
        "p_top": "Вероятность попасть в верхнюю треть",
        "p_bottom": "Вероятность попасть в нижнюю треть",
        "p_top_n": "Вероятность попасть в верхние {top}",
        "p_bottom_n": "Вероятность попасть в нижние {top}",
        "third": "Треть",
        "indicator": "Индикатор",
        "source": "Источник",
        "kind": "Тип",
        "value": "Значение",
        "normalised": "Нормированное значение (0-100)",
        "missing": "Пропуск",
        "imputed": "Вменено",
        "treated": "Обработка выбросов",
        "label": "Название",
        "parent": "Родительская группа",
        "level": "Уровень",
        "weight": "Вес",
        "weight_in_group": "Вес внутри группы",
        "method": "Метод",
        "direction": "Направление",
        "score": "Балл",
        "mean_rank": "Средний ранг",
        "run_rank_lower": "Ранг по прогонам: от (5%)",
        "run_rank_upper": "Ранг по прогонам: до (95%)",
        "mean_shift": "Средний сдвиг ранга",
        "max_shift": "Наибольший сдвиг ранга",
        "sobol_source": "Источник неопределённости",
        "first_order": "Индекс Соболя первого порядка",
        "total": "Полный индекс Соболя",
        "first_order_lower": "Первый порядок: нижняя граница (90%)",
        "first_order_upper": "Первый порядок: верхняя граница (90%)",
        "total_lower": "Полный индекс: нижняя граница (90%)",
        "total_upper": "Полный индекс: верхняя граница (90%)",
        "term": "Лист или термин",
        "meaning": "Что означает",
        "top": "верхняя треть",
        "middle": "средняя треть",
        "bottom": "нижняя треть",
    },
    "kk": {
        "rank": "Ранг",
        "region": "Өңір",
        "node": "Топ",
        "framework_node": "Түйін",
        "estimate": "Балл",
        "se": "Стандартты қате",
        "ci_lower": "Төменгі шек ({level})",
        "ci_upper": "Жоғарғы шек ({level})",
        "median_rank": "Медиандық ранг",
        "rank_lower": "Ранг аралығы ({rank_level}): бастап",
        "rank_upper": "Ранг аралығы ({rank_level}): дейін",
        "p_top": "Жоғарғы үштен бірге кіру ықтималдығы",
        "p_bottom": "Төменгі үштен бірге кіру ықтималдығы",
        "p_top_n": "Жоғарғы {top} қатарына кіру ықтималдығы",
        "p_bottom_n": "Төменгі {top} қатарына кіру ықтималдығы",
        "third": "Үштен бір",
        "indicator": "Индикатор",
        "source": "Дереккөз",
        "kind": "Түрі",
        "value": "Мәні",
        "normalised": "Нормаланған мән (0-100)",
        "missing": "Жоқ",
        "imputed": "Толықтырылған",
        "treated": "Шығарындыларды өңдеу",
        "label": "Атауы",
        "parent": "Жоғары топ",
        "level": "Деңгей",
        "weight": "Салмақ",
        "weight_in_group": "Топ ішіндегі салмақ",
        "method": "Әдіс",
        "direction": "Бағыт",
        "score": "Балл",
        "mean_rank": "Орташа ранг",
        "run_rank_lower": "Есептеулер бойынша ранг: бастап (5%)",
        "run_rank_upper": "Есептеулер бойынша ранг: дейін (95%)",
        "mean_shift": "Рангтің орташа ығысуы",
        "max_shift": "Рангтің ең үлкен ығысуы",
        "sobol_source": "Белгісіздік көзі",
        "first_order": "Бірінші ретті Соболь индексі",
        "total": "Толық Соболь индексі",
        "first_order_lower": "Бірінші ретті индекс: төменгі шек (90%)",
        "first_order_upper": "Бірінші ретті индекс: жоғарғы шек (90%)",
        "total_lower": "Толық индекс: төменгі шек (90%)",
        "total_upper": "Толық индекс: жоғарғы шек (90%)",
        "term": "Парақ немесе термин",
        "meaning": "Нені білдіреді",
        "top": "жоғарғы үштен бір",
        "middle": "ортаңғы үштен бір",
        "bottom": "төменгі үштен бір",
    },
}
"""Column headers of the index sheets (by column name of the index tables), a few headers that
depend on the sheet (``run_rank_lower``, ``sobol_source``, ``framework_node``, ``p_top_n``), and the names of the
thirds shown in the ``third`` column."""

INDEX_EXPLANATION: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("Score", "The index and each domain are on a 0-100 scale: the indicators are "
         "normalised to 0-100 (100 is best) and aggregated with the weights and methods of "
         "the sheet {framework}."),
        ("Score interval ({level})", "The range that holds the true score with {level} "
         "confidence given the sampling error of the survey indicators (and the standard "
         "errors of objective indicators from sample surveys), from the {engine} with "
         "{replicates} replicates."),
        ("Rank", "The nominal rank of the region by its score: 1 is the highest score."),
        ("Median rank and rank interval ({rank_level})", "Each replicate ranks the regions "
         "again. The median rank is the middle of a region's ranks over the replicates; the "
         "rank interval holds {rank_level} of them. A wide interval means the region's place "
         "is uncertain; regions whose intervals overlap cannot be put in a reliable order."),
        ("Probability of top third / bottom third", "The share of replicates in which the "
         "region is among the top (bottom) {top} regions, a third of them. 0.95 means: in "
         "95% of the replicates the region was in the top third."),
        ("Third", "Top, middle or bottom third of the regions by nominal rank; the rows of "
         "the league table are shaded by third."),
        ("Pairwise matrix", "The cell in row A and column B is the probability that region A "
         "scores above region B over the replicates. A shaded cell marks a pair whose scores "
         "differ significantly at {level} (green: the row region is above, red: below); "
         "regions of an unshaded pair cannot be ordered with confidence."),
    ),
    "ru": (
        ("Балл", "Индекс и каждый домен измеряются по шкале 0-100: индикаторы нормируются к "
         "0-100 (100 - лучшее значение) и агрегируются с весами и методами листа "
         "{framework}."),
        ("Интервал балла ({level})", "Диапазон, содержащий истинный балл с доверием {level} "
         "с учётом ошибки выборки индикаторов обследования (и стандартных ошибок объективных "
         "индикаторов из выборочных обследований); метод: {engine}, {replicates} репликаций."),
        ("Ранг", "Номинальный ранг региона по баллу: 1 - наивысший балл."),
        ("Медианный ранг и интервал ранга ({rank_level})", "В каждой репликации регионы "
         "ранжируются заново. Медианный ранг - середина рангов региона по репликациям; "
         "интервал ранга содержит {rank_level} из них. Широкий интервал означает, что место "
         "региона неопределённо; регионы с перекрывающимися интервалами нельзя надёжно "
         "упорядочить."),
        ("Вероятность попасть в верхнюю / нижнюю треть", "Доля репликаций, в которых регион "
         "входит в число верхних (нижних) {top} регионов, то есть в треть. 0,95 означает: в "
         "95% репликаций регион был в верхней трети."),
        ("Треть", "Верхняя, средняя или нижняя треть регионов по номинальному рангу; строки "
         "рейтинга закрашены по третям."),
        ("Матрица попарных сравнений", "Ячейка в строке A и столбце B - вероятность того, "
         "что балл региона A выше балла региона B по репликациям. Закрашенная ячейка "
         "отмечает пару, баллы которой значимо различаются на уровне {level} (зелёный: "
         "регион строки выше, красный: ниже); регионы незакрашенной пары нельзя уверенно "
         "упорядочить."),
    ),
    "kk": (
        ("Балл", "Индекс пен әр домен 0-100 шкаласында: индикаторлар 0-100 аралығына "
         "нормаланады (100 - ең жақсы мән) және {framework} парағындағы салмақтармен және "
         "әдістермен біріктіріледі."),
        ("Балл аралығы ({level})", "Зерттеу индикаторларының іріктеме қатесін (және "
         "іріктемелі зерттеулерден алынған объективті индикаторлардың стандартты қателерін) "
         "ескергенде нақты балды {level} сенімділікпен қамтитын аралық; әдіс: {engine}, "
         "{replicates} репликация."),
        ("Ранг", "Өңірдің балы бойынша номиналды рангі: 1 - ең жоғары балл."),
        ("Медиандық ранг және ранг аралығы ({rank_level})", "Әр репликацияда өңірлер қайта "
         "рангіленеді. Медиандық ранг - өңірдің репликациялар бойынша рангтерінің ортасы; "
         "ранг аралығы олардың {rank_level} бөлігін қамтиды. Кең аралық өңірдің орны "
         "белгісіз екенін білдіреді; аралықтары қиылысатын өңірлерді сенімді ретке келтіру "
         "мүмкін емес."),
        ("Жоғарғы / төменгі үштен бірге кіру ықтималдығы", "Өңір жоғарғы (төменгі) {top} "
         "өңірдің, яғни үштен бірдің қатарына кірген репликациялардың үлесі. 0,95 дегеніміз: "
         "репликациялардың 95%-ында өңір жоғарғы үштен бірде болды."),
        ("Үштен бір", "Номиналды ранг бойынша өңірлердің жоғарғы, ортаңғы немесе төменгі "
         "үштен бірі; рейтинг жолдары үштен бір бойынша боялған."),
        ("Жұптық салыстыру матрицасы", "A жолы мен B бағанындағы ұяшық - репликациялар "
         "бойынша A өңірі балының B өңірі балынан жоғары болу ықтималдығы. Боялған ұяшық "
         "балдары {level} деңгейінде маңызды ерекшеленетін жұпты белгілейді (жасыл: жол "
         "өңірі жоғары, қызыл: төмен); боялмаған жұптың өңірлерін сенімді ретке келтіру "
         "мүмкін емес."),
    ),
}
"""Rows (term, meaning) of the explanation sheet of the index workbook, after the list of
sheets; the rows on the sensitivity analysis are in :data:`INDEX_SENSITIVITY_EXPLANATION`."""

INDEX_SENSITIVITY_EXPLANATION: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("Sobol indices", "How much of the variation of the mean absolute rank shift over the "
         "{runs} sensitivity runs comes from each source of uncertainty (the sampling error "
         "and each methodological choice). The first-order index is the share due to the "
         "source alone; the total index adds its interactions with the other sources. Near "
         "0: the source hardly moves the ranks; near 1: it drives them."),
        ("Negative first-order index", "A first-order index is estimated from a finite number "
         "of runs; when its true value is near 0 the estimate can fall below 0. A negative "
         "value is estimation noise around 0: the source has no detectable effect on its own. "
         "The workbook shows the estimate as computed, as the CSV files do, and does not set "
         "it to 0."),
    ),
    "ru": (
        ("Индексы Соболя", "Какая часть вариации среднего абсолютного сдвига рангов за {runs} "
         "прогонов анализа чувствительности приходится на каждый источник неопределённости "
         "(ошибку выборки и каждый методологический выбор). Индекс первого порядка - доля, "
         "обусловленная только этим источником; полный индекс добавляет его взаимодействия "
         "с другими источниками. Около 0: источник почти не меняет ранги; около 1: "
         "определяет их."),
        ("Отрицательный индекс первого порядка", "Индекс первого порядка оценивается по "
         "конечному числу прогонов; если его истинное значение близко к 0, оценка может "
         "оказаться ниже 0. Отрицательное значение - это шум оценивания около 0: "
         "самостоятельного влияния источника не обнаружено. В книге показана оценка в том "
         "виде, в каком она вычислена, как и в файлах CSV; она не заменяется на 0."),
    ),
    "kk": (
        ("Соболь индекстері", "Сезімталдық талдауының {runs} есептеуі бойынша рангтің орташа "
         "абсолютті ығысуы вариациясының қандай бөлігі әр белгісіздік көзіне (іріктеме "
         "қатесіне және әр әдістемелік таңдауға) тиесілі. Бірінші ретті индекс - тек осы "
         "көзге байланысты үлес; толық индекс оның басқа көздермен өзара әрекеттесуін "
         "қосады. 0 маңында: көз рангтерді іс жүзінде өзгертпейді; 1 маңында: оларды "
         "анықтайды."),
        ("Теріс бірінші ретті индекс", "Бірінші ретті индекс есептеулердің шектеулі саны "
         "бойынша бағаланады; оның нақты мәні 0-ге жақын болса, бағалау 0-ден төмен болуы "
         "мүмкін. Теріс мән - 0 маңындағы бағалау шуы: көздің жеке әсері анықталмады. "
         "Кітапта бағалау CSV файлдарындағыдай есептелген күйінде көрсетіледі және 0-мен "
         "ауыстырылмайды."),
    ),
}
"""Rows (term, meaning) of the explanation sheet on the Sobol indices, shown when the index
run has a sensitivity analysis. Negative first-order estimates are shown as computed, with
this explanation."""

INDEX_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "bootstrap": "design bootstrap",
        "montecarlo": "Monte Carlo",
        "delta": "delta method",
        "index": "Composite index",
        "score_axis": "score with {level} interval",
        "rank_interval": "{rank_level} rank\ninterval",
        "replicates": "{engine}, {replicates} replicates",
        "domain_title": "domain scores by region",
        "domain_title_alone": "Domain scores by region",
        "score": "score",
        "third": "{third} third",
        "top": "top",
        "middle": "middle",
        "bottom": "bottom",
    },
    "ru": {
        "bootstrap": "бутстреп по дизайну выборки",
        "montecarlo": "метод Монте-Карло",
        "delta": "дельта-метод",
        "index": "Композитный индекс",
        "score_axis": "балл с интервалом {level}",
        "rank_interval": "интервал\nранга {rank_level}",
        "replicates": "{engine}, {replicates} репликаций",
        "domain_title": "баллы доменов по регионам",
        "domain_title_alone": "Баллы доменов по регионам",
        "score": "балл",
        "third": "{third} треть",
        "top": "верхняя",
        "middle": "средняя",
        "bottom": "нижняя",
    },
    "kk": {
        "bootstrap": "іріктеме дизайны бойынша бутстреп",
        "montecarlo": "Монте-Карло әдісі",
        "delta": "дельта әдісі",
        "index": "Композиттік индекс",
        "score_axis": "балл және {level} аралығы",
        "rank_interval": "{rank_level} ранг\nаралығы",
        "replicates": "{engine}, {replicates} репликация",
        "domain_title": "өңірлер бойынша домен балдары",
        "domain_title_alone": "Өңірлер бойынша домен балдары",
        "score": "балл",
        "third": "{third} үштен бір",
        "top": "жоғарғы",
        "middle": "ортаңғы",
        "bottom": "төменгі",
    },
}
"""Texts of the index charts and descriptions: engine names, axis labels, titles, legend."""


GAP_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "difference": "Difference: {first} - {second}",
        "ratio": "Ratio: {first} / {second}",
        "appendix": "{indicator} ({gap})",
    },
    "ru": {
        "difference": "Разница: {first} - {second}",
        "ratio": "Отношение: {first} / {second}",
        "appendix": "{indicator} ({gap})",
    },
    "kk": {
        "difference": "Айырма: {first} - {second}",
        "ratio": "Қатынас: {first} / {second}",
        "appendix": "{indicator} ({gap})",
    },
}
"""Labels of gap rows (differences and ratios between two categories of a breakdown):
``{first}`` and ``{second}`` are the categories' labels; an appendix row also names the
indicator."""


def gap_label(kind: str, first: str, second: str, lang: str) -> str:
    """The label of a gap row: ``"Difference: Richest - Poorest"``, ``"Ratio: Urban / Rural"``.

    Parameters
    ----------
    kind : {"difference", "ratio"}
    first, second : str
        The categories' labels in ``lang``.
    lang : {"en", "ru", "kk"}

    Examples
    --------
    >>> gap_label("difference", "Richest", "Poorest", "en")
    'Difference: Richest - Poorest'
    >>> gap_label("ratio", "Қала", "Ауыл", "kk")
    'Қатынас: Қала / Ауыл'
    """
    check_option("lang", lang, LANGUAGES)
    check_option("kind", kind, ("difference", "ratio"))
    return GAP_WORDS[lang][kind].format(first=first, second=second)


def words(table: Mapping[str, Mapping], lang: str) -> Mapping:
    """The entries of ``table`` (one of the tables above) in language ``lang``.

    Raises
    ------
    OptionError
        ``lang`` is not ``"en"``, ``"ru"`` or ``"kk"``.

    Examples
    --------
    >>> words(WORKBOOK_WORDS, "ru")["metadata"]
    'Метаданные'
    """
    check_option("lang", lang, LANGUAGES)
    return table[lang]


def convention_label(key: str, lang: str) -> str:
    """The label of a build convention on the metadata sheet.

    In English the key itself (``lonely_psu``, ``uncertainty.replicates``), as in the spec
    and ``manifest.json``; in Russian and Kazakh the translated name followed by the key in
    parentheses, so that the row can still be matched with the spec.

    Examples
    --------
    >>> convention_label("lonely_psu", "en"), convention_label("uncertainty.seed", "ru")
    ('lonely_psu', 'неопределённость: начальное значение генератора (uncertainty.seed)')
    """
    check_option("lang", lang, LANGUAGES)
    if lang == "en":
        return key
    names = _CONVENTION_KEYS[lang]
    prefix, _, rest = key.rpartition(".")
    if prefix:
        group = METADATA_WORDS[lang].get(prefix + ".")
        name = names.get(rest)
        if group is None or name is None:
            return key
        return f"{group}{name} ({key})"
    name = names.get(key)
    return key if name is None else f"{name} ({key})"


def convention_text(text: str, lang: str) -> str:
    """A fixed convention text in ``lang`` (:data:`CONVENTION_TEXTS`); other texts unchanged.

    Examples
    --------
    >>> convention_text("design bootstrap", "kk"), convention_text("t", "kk")
    ('іріктеме дизайны бойынша бутстреп', 't')
    """
    check_option("lang", lang, LANGUAGES)
    if lang == "en":
        return text
    return CONVENTION_TEXTS[lang].get(text, text)
